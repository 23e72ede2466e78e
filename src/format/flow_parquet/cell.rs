//! A row's value in one column.

/// A row's value in one column, as the line holds it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Cell {
    /// Null (`-` in the line).
    Absent,
    /// An integer.
    Number(i64),
    /// Text at `line[from..to]` (which may not be UTF-8 until the line is checked).
    Text(usize, usize),
}
