//! Field elements as the HTTP API writes them: `0x` and 64 hex digits, most significant first
//! (as `origami verify` prints them).

use ff::PrimeField;

use crate::protocol::Field;

/// Parses `0x…` (hex, most significant digit first, at most 64 digits) or a decimal number below
/// 2^128. Values at or above the field's modulus are refused rather than reduced.
pub fn parse_field(text: &str) -> Result<Field, String> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || hex.len() > 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("{text:?} is not 0x and 1 to 64 hex digits"));
        }
        let padded = format!("{hex:0>64}");
        let mut repr = <Field as PrimeField>::Repr::default();
        for (i, byte) in repr.as_mut().iter_mut().enumerate() {
            // The representation is little-endian; the text most significant first.
            let at = 62 - 2 * i;
            *byte = u8::from_str_radix(&padded[at..at + 2], 16)
                .map_err(|e| format!("{text:?}: {e}"))?;
        }
        return Option::from(Field::from_repr(repr))
            .ok_or_else(|| format!("{text:?} is not below the field's modulus"));
    }
    let n: u128 = text.parse().map_err(|_| {
        format!("{text:?} is neither 0x-prefixed hex nor a decimal number below 2^128")
    })?;
    Ok(Field::from_u128(n))
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
