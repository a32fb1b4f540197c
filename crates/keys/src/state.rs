//! A state's field elements as text: `0x` and 64 hex digits, most significant first (as the
//! HTTP API and `origami verify` write them), or a decimal number.

use ff::PrimeField;

use crate::Field;

/// Why a text is not a field element.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// Not `0x` and 1 to 64 hex digits.
    #[error("{0:?} is not 0x and 1 to 64 hex digits")]
    Hex(String),
    /// Hex digits whose value is the modulus or more.
    #[error("{0:?} is not below the field's modulus")]
    Modulus(String),
    /// Neither hex nor a decimal number below 2^128.
    #[error("{0:?} is neither 0x-prefixed hex nor a decimal number below 2^128")]
    NotANumber(String),
}

/// Parses `0x…` (hex, most significant digit first, at most 64 digits) or a decimal number below
/// 2^128. Values at or above the field's modulus are refused rather than reduced.
pub fn parse_field(text: &str) -> Result<Field, FieldError> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError::Hex(text.to_string()));
        }
        let padded = format!("{hex:0>64}");
        let mut repr = <Field as PrimeField>::Repr::default();
        for (i, byte) in repr.as_mut().iter_mut().enumerate() {
            // The representation is little-endian; the text most significant first. Every
            // digit was checked to be hex above.
            let at = 62 - 2 * i;
            *byte = u8::from_str_radix(&padded[at..at + 2], 16)
                .map_err(|_| FieldError::Hex(text.to_string()))?;
        }
        return Option::from(Field::from_repr(repr))
            .ok_or_else(|| FieldError::Modulus(text.to_string()));
    }
    let n: u128 = text
        .parse()
        .map_err(|_| FieldError::NotANumber(text.to_string()))?;
    Ok(Field::from_u128(n))
}

/// Parses a state written as comma-separated field elements (`0x…` or decimal), optionally in
/// brackets as `origami verify` prints it: `[0x…, 0x…]`.
pub fn parse_state(text: &str) -> Result<Vec<Field>, FieldError> {
    let text = text.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner.split(',').map(parse_field).collect()
}

/// A state as `origami verify` prints it: `[0x…, 0x…]`.
pub fn format_state(z: &[Field]) -> String {
    let elements: Vec<String> = z.iter().map(format_field).collect();
    format!("[{}]", elements.join(", "))
}

/// `0x` and 64 hex digits, most significant first.
pub fn format_field(x: &Field) -> String {
    let repr = x.to_repr();
    let digits: String = repr
        .as_ref()
        .iter()
        .rev()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("0x{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_print_as_debug_does_and_parse_back() {
        let x = Field::from(0x1234_5678_9abc_u64) * Field::from(u64::MAX);
        assert_eq!(format_field(&x), format!("{x:?}"));
        assert_eq!(parse_field(&format_field(&x)), Ok(x));
        assert_eq!(parse_field("0x2"), Ok(Field::from(2)));
        assert_eq!(parse_field("17"), Ok(Field::from(17)));
    }

    #[test]
    fn states_print_and_parse_back_with_or_without_brackets() {
        let z = vec![Field::from(3), Field::from(u64::MAX) * Field::from(7)];
        assert_eq!(parse_state(&format_state(&z)), Ok(z.clone()));
        assert_eq!(
            parse_state("3, 0x2"),
            Ok(vec![Field::from(3), Field::from(2)])
        );
        assert!(parse_state("3,,4").is_err());
        assert!(parse_state("[3").is_err());
    }

    #[test]
    fn non_fields_are_refused() {
        for bad in [
            "",
            "0x",
            "0xg1",
            "-3",
            "1.5",
            "two",
            &format!("0x{}", "f".repeat(64)),
        ] {
            assert!(parse_field(bad).is_err(), "{bad:?} parsed");
        }
        assert!(parse_field(&format!("0x{}", "0".repeat(65))).is_err());
    }
}
