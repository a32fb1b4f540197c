//! Sparse matrices in compressed-row form, with unit coefficients kept apart.
//!
//! Most R1CS coefficients are +1 or −1 (boolean decompositions, copies, sums). Storing those as
//! column lists without coefficients saves one field multiplication per entry in every
//! matrix–vector product, and 32 bytes of memory per entry.

use ff::PrimeField;

/// A sparse `rows × cols` matrix over `F`.
///
/// Row `r` holds three runs of entries: columns with coefficient +1, columns with coefficient −1,
/// and `(column, coefficient)` pairs for everything else.
#[derive(Clone, Debug, PartialEq, Eq)]
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

    /// Renames every column `c` to `rename(c)` and sets the column count; used once a shape's
    /// final column layout is known.
    pub(crate) fn relabel_columns(&mut self, num_cols: usize, rename: impl Fn(u32) -> u32) {
        for c in self.unit_cols.iter_mut().chain(self.gen_cols.iter_mut()) {
            *c = rename(*c);
        }
        self.num_cols = num_cols;
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
    }
}
