//! R1CS frontend of Origami.
