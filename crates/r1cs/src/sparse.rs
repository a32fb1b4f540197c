//! Sparse matrices in compressed-row form, with unit coefficients kept apart.
//!
//! Most R1CS coefficients are +1 or −1 (boolean decompositions, copies, sums). Storing those as
//! column lists without coefficients saves one field multiplication per entry in every
//! matrix–vector product, and 32 bytes of memory per entry.

use ff::PrimeField;
use origami_arith::encoding::field_vec;
use serde::{Deserialize, Serialize};

/// A sparse `rows × cols` matrix over `F`.
///
/// Row `r` holds three runs of entries: columns with coefficient +1, columns with coefficient −1,
/// and `(column, coefficient)` pairs for everything else.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SparseMatrixRepr<F>", into = "SparseMatrixRepr<F>")]
#[serde(bound = "F: PrimeField")]
pub struct SparseMatrix<F> {
    num_rows: usize,
    num_cols: usize,
    /// Row `r`'s unit columns are `unit_cols[unit_ptr[r]..unit_ptr[r + 1]]`.
    unit_ptr: Vec<u32>,
    /// Row `r`'s −1 columns start at `unit_neg[r]` (its +1 columns come before).
    unit_neg: Vec<u32>,
    unit_cols: Vec<u32>,
    /// Row `r`'s general entries are at `gen_ptr[r]..gen_ptr[r + 1]`.
    gen_ptr: Vec<u32>,
    gen_cols: Vec<u32>,
    gen_coeffs: Vec<F>,
}

impl<F: PrimeField> SparseMatrix<F> {
    /// An empty matrix with `num_cols` columns, to which rows are appended.
    pub fn new(num_cols: usize) -> Self {
        Self {
            num_rows: 0,
            num_cols,
            unit_ptr: vec![0],
            unit_neg: Vec::new(),
            unit_cols: Vec::new(),
            gen_ptr: vec![0],
            gen_cols: Vec::new(),
            gen_coeffs: Vec::new(),
        }
    }

    /// Appends a row from `(column, coefficient)` pairs; zero coefficients are dropped.
    pub fn push_row(&mut self, entries: impl IntoIterator<Item = (u32, F)>) {
        let minus_one = -F::ONE;
        let mut negative = Vec::new();
        for (col, coeff) in entries {
            debug_assert!((col as usize) < self.num_cols || self.num_cols == 0);
            if coeff == F::ONE {
                self.unit_cols.push(col);
            } else if coeff == minus_one {
                negative.push(col);
            } else if !bool::from(coeff.is_zero()) {
                self.gen_cols.push(col);
                self.gen_coeffs.push(coeff);
            }
        }
        self.unit_neg.push(self.unit_cols.len() as u32);
        self.unit_cols.extend_from_slice(&negative);
        self.unit_ptr.push(self.unit_cols.len() as u32);
        self.gen_ptr.push(self.gen_cols.len() as u32);
        self.num_rows += 1;
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.num_rows
    }

    /// Number of columns.
    pub fn num_cols(&self) -> usize {
        self.num_cols
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.unit_cols.len() + self.gen_cols.len()
    }

    /// Number of entries whose coefficient is +1 or −1.
    pub fn unit_nnz(&self) -> usize {
        self.unit_cols.len()
    }

    /// `Σ_c M[row][c]·z[c]`.
    #[inline]
    pub fn row_dot(&self, row: usize, z: &[F]) -> F {
        let (start, neg, end) = (
            self.unit_ptr[row] as usize,
            self.unit_neg[row] as usize,
            self.unit_ptr[row + 1] as usize,
        );
        let mut acc = F::ZERO;
        for &c in &self.unit_cols[start..neg] {
            acc += z[c as usize];
        }
        for &c in &self.unit_cols[neg..end] {
            acc -= z[c as usize];
        }
        let (start, end) = (self.gen_ptr[row] as usize, self.gen_ptr[row + 1] as usize);
        for (&c, k) in self.gen_cols[start..end]
            .iter()
            .zip(&self.gen_coeffs[start..end])
        {
            acc += *k * z[c as usize];
        }
        acc
    }

    /// All entries as `(row, column, coefficient)`, row by row.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, F)> + '_ {
        (0..self.num_rows).flat_map(move |r| {
            let (start, neg, end) = (
                self.unit_ptr[r] as usize,
                self.unit_neg[r] as usize,
                self.unit_ptr[r + 1] as usize,
            );
            let pos = self.unit_cols[start..neg]
                .iter()
                .map(move |&c| (r, c as usize, F::ONE));
            let negs = self.unit_cols[neg..end]
                .iter()
                .map(move |&c| (r, c as usize, -F::ONE));
            let (gs, ge) = (self.gen_ptr[r] as usize, self.gen_ptr[r + 1] as usize);
            let general = self.gen_cols[gs..ge]
                .iter()
                .zip(&self.gen_coeffs[gs..ge])
                .map(move |(&c, &k)| (r, c as usize, k));
            pos.chain(negs).chain(general)
        })
    }

    /// Feeds the matrix, in a canonical layout, to a hasher: dimensions, then each array with its
    /// length. Streaming the arrays directly keeps shape digests cheap on load.
    pub(crate) fn hash_into(&self, h: &mut impl sha2::Digest) {
        h.update((self.num_rows as u64).to_le_bytes());
        h.update((self.num_cols as u64).to_le_bytes());
        for v in [
            &self.unit_ptr,
            &self.unit_neg,
            &self.unit_cols,
            &self.gen_ptr,
            &self.gen_cols,
        ] {
            h.update((v.len() as u64).to_le_bytes());
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            h.update(&bytes);
        }
        h.update((self.gen_coeffs.len() as u64).to_le_bytes());
        for c in &self.gen_coeffs {
            h.update(c.to_repr().as_ref());
        }
    }

    /// Renames every column `c` to `rename(c)` and sets the column count; used once a shape's
    /// final column layout is known.
    pub(crate) fn relabel_columns(&mut self, num_cols: usize, rename: impl Fn(u32) -> u32) {
        for c in self.unit_cols.iter_mut().chain(self.gen_cols.iter_mut()) {
            *c = rename(*c);
        }
        self.num_cols = num_cols;
    }
}

/// The serialized form: the same fields, validated before they become a [`SparseMatrix`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(bound = "F: PrimeField")]
struct SparseMatrixRepr<F> {
    num_rows: u64,
    num_cols: u64,
    unit_ptr: Vec<u32>,
    unit_neg: Vec<u32>,
    unit_cols: Vec<u32>,
    gen_ptr: Vec<u32>,
    gen_cols: Vec<u32>,
    #[serde(with = "field_vec")]
    gen_coeffs: Vec<F>,
}

impl<F: PrimeField> From<SparseMatrix<F>> for SparseMatrixRepr<F> {
    fn from(m: SparseMatrix<F>) -> Self {
        Self {
            num_rows: m.num_rows as u64,
            num_cols: m.num_cols as u64,
            unit_ptr: m.unit_ptr,
            unit_neg: m.unit_neg,
            unit_cols: m.unit_cols,
            gen_ptr: m.gen_ptr,
            gen_cols: m.gen_cols,
            gen_coeffs: m.gen_coeffs,
        }
    }
}

/// Row pointers of `rows` rows into an array of `len` entries: starts at 0, never decreases,
/// ends at `len`.
fn check_ptr(name: &str, ptr: &[u32], rows: usize, len: usize) -> Result<(), String> {
    // `rows + 1` is checked: a row count of usize::MAX (from a crafted file) wraps to 0, and an
    // empty pointer array would then be indexed (found by the verifier-key fuzzer).
    if rows.checked_add(1) != Some(ptr.len()) || ptr[0] != 0 || ptr[rows] as usize != len {
        return Err(format!("{name}: row pointers do not span the entries"));
    }
    if ptr.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("{name}: row pointers decrease"));
    }
    Ok(())
}

impl<F: PrimeField> TryFrom<SparseMatrixRepr<F>> for SparseMatrix<F> {
    type Error = String;

    // Every index a product will follow is checked here, so a crafted file is an error on load
    // rather than an out-of-bounds panic later.
    fn try_from(r: SparseMatrixRepr<F>) -> Result<Self, String> {
        let rows = usize::try_from(r.num_rows).map_err(|_| "row count overflows")?;
        let cols = usize::try_from(r.num_cols).map_err(|_| "column count overflows")?;
        check_ptr("unit entries", &r.unit_ptr, rows, r.unit_cols.len())?;
        check_ptr("general entries", &r.gen_ptr, rows, r.gen_cols.len())?;
        if r.gen_coeffs.len() != r.gen_cols.len() {
            return Err("general entries: coefficient count differs from column count".into());
        }
        if r.unit_neg.len() != rows
            || (0..rows).any(|i| r.unit_neg[i] < r.unit_ptr[i] || r.unit_neg[i] > r.unit_ptr[i + 1])
        {
            return Err("unit entries: a negative run lies outside its row".into());
        }
        if r.unit_cols
            .iter()
            .chain(&r.gen_cols)
            .any(|&c| c as usize >= cols)
        {
            return Err(format!(
                "a column index is not below the column count {cols}"
            ));
        }
        Ok(Self {
            num_rows: rows,
            num_cols: cols,
            unit_ptr: r.unit_ptr,
            unit_neg: r.unit_neg,
            unit_cols: r.unit_cols,
            gen_ptr: r.gen_ptr,
            gen_cols: r.gen_cols,
            gen_coeffs: r.gen_coeffs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::Field;
    use halo2curves::pasta::Fp;

    #[test]
    fn units_are_separated_and_products_are_right() {
        let mut m = SparseMatrix::<Fp>::new(4);
        m.push_row([(0, Fp::ONE), (1, -Fp::ONE), (2, Fp::from(5)), (3, Fp::ZERO)]);
        m.push_row([]);
        m.push_row([(3, -Fp::ONE), (3, Fp::from(2))]);
        assert_eq!((m.num_rows(), m.nnz(), m.unit_nnz()), (3, 5, 3));
        let z = [Fp::from(10), Fp::from(3), Fp::from(7), Fp::from(100)];
        assert_eq!(m.row_dot(0, &z), Fp::from(10 - 3 + 35));
        assert_eq!(m.row_dot(1, &z), Fp::ZERO);
        assert_eq!(m.row_dot(2, &z), Fp::from(100));
        let entries: Vec<_> = m.iter().collect();
        assert_eq!(entries[0], (0, 0, Fp::ONE));
        assert_eq!(entries[1], (0, 1, -Fp::ONE));
        assert_eq!(entries[2], (0, 2, Fp::from(5)));
        assert_eq!(entries.len(), 5);

        let back: SparseMatrix<Fp> =
            bincode::deserialize(&bincode::serialize(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn crafted_matrices_are_refused() {
        let mut m = SparseMatrix::<Fp>::new(4);
        m.push_row([(0, Fp::ONE), (2, Fp::from(5))]);
        m.push_row([(1, -Fp::ONE)]);
        let good = bincode::serialize(&m).unwrap();
        let load = |bytes: &[u8]| bincode::deserialize::<SparseMatrix<Fp>>(bytes).map(|_| ());
        load(&good).unwrap();
        // Layout: rows u64, cols u64, then unit_ptr (len u64 + u32s) ...
        let mut b = good.clone();
        b[8] = 1; // one column: the entries at columns 1 and 2 are out of range
        assert!(load(&b).unwrap_err().to_string().contains("column index"));
        let mut b = good.clone();
        b[0] = 5; // five rows: pointers no longer span them
        assert!(load(&b).unwrap_err().to_string().contains("row pointers"));
        let mut b = good.clone();
        b[16 + 8 + 4] = 9; // unit_ptr[1] beyond the entries
        assert!(load(&b).is_err());
        // u64::MAX rows and empty row pointers: `rows + 1` wrapped to 0 and the empty array was
        // indexed (a panic the verifier-key fuzzer found).
        let empty = SparseMatrix::<Fp>::new(4);
        let mut b = bincode::serialize(&empty).unwrap();
        b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        // Drop unit_ptr's single entry: its length prefix becomes 0.
        b[16..24].copy_from_slice(&0u64.to_le_bytes());
        b.drain(24..28);
        assert!(load(&b).unwrap_err().to_string().contains("row pointers"));
    }
}
