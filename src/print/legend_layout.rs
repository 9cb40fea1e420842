//! Laying a legend out (pure): its groups as rows (a group's title, then its entries, each one or
//! more lines tall), filled column by column into a box; what does not fit is handed on whole to
//! the next box (a continuation page), never dropped. A group's title is never left alone at the
//! foot of a column: it goes with its first entry.

use super::legend::LegendGroup;

/// One row of the legend: a group's title (`entry` is `None`) or one of its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub group: usize,
    pub entry: Option<usize>,
    /// Lines of text it takes (a long label is wrapped).
    pub lines: usize,
}

/// The rows of `groups` in order; `lines(text, is_title)` says how many lines a text takes. A
/// group of one entry named as the group is that entry alone, without a title row.
pub fn items(groups: &[LegendGroup], mut lines: impl FnMut(&str, bool) -> usize) -> Vec<Item> {
    let mut out = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        if group.entries.is_empty() {
            continue;
        }
        if !group.is_single() {
            out.push(Item { group: g, entry: None, lines: lines(&group.title, true).max(1) });
        }
        for (e, entry) in group.entries.iter().enumerate() {
            out.push(Item { group: g, entry: Some(e), lines: lines(&entry.label, false).max(1) });
        }
    }
    out
}

/// Where an item goes in a box: its column and its first line (from the top).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub col: usize,
    pub line: usize,
    /// Lines it may use (an item taller than a whole column is cut to the column).
    pub lines: usize,
}

/// Places the first items of `items` into `cols` columns of `rows` lines each; returns the slots
/// of those that fit, in order (the rest go to the next box). An empty box takes at least one
/// item when it has a column, so a legend always ends.
pub fn fill(items: &[Item], cols: usize, rows: usize) -> Vec<Slot> {
    let mut out = Vec::new();
    if cols == 0 || rows == 0 {
        return out;
    }
    // An item is cut to a column less a line, so that a title and its first entry always fit.
    let cap = |it: &Item| it.lines.min(rows.saturating_sub(1).max(1));
    let (mut col, mut line) = (0, 0);
    for (i, it) in items.iter().enumerate() {
        // A title needs room for itself and its first entry.
        let need = match (it.entry, items.get(i + 1)) {
            (None, Some(next)) if next.group == it.group => cap(it) + cap(next),
            _ => cap(it),
        };
        if line > 0 && line + need > rows {
            col += 1;
            line = 0;
        }
        if col >= cols {
            break;
        }
        let lines = cap(it);
        out.push(Slot { col, line, lines });
        line += lines;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(title: &str, n: usize) -> LegendGroup {
        use super::super::legend::{LegendEntry, Swatch};
        let entries =
            (0..n).map(|i| LegendEntry { label: format!("{title} {i}"), swatch: Swatch::Raster }).collect();
        LegendGroup { title: title.into(), entries }
    }

    #[test]
    fn single_entry_groups_have_no_title_row_and_long_labels_take_lines() {
        let mut single = group("Water", 1);
        single.entries[0].label = "Water".into();
        let groups = [single, group("Zones", 2), group("Empty", 0)];
        let it = items(&groups, |t, _| if t == "Zones 1" { 2 } else { 1 });
        assert_eq!(
            it,
            [
                Item { group: 0, entry: Some(0), lines: 1 },
                Item { group: 1, entry: None, lines: 1 },
                Item { group: 1, entry: Some(0), lines: 1 },
                Item { group: 1, entry: Some(1), lines: 2 },
            ]
        );
    }

    #[test]
    fn columns_fill_and_titles_stay_with_their_first_entry() {
        // Two columns of three lines.
        let groups = [group("A", 2), group("B", 3)];
        let it = items(&groups, |_, _| 1);
        let slots = fill(&it, 2, 3);
        // A's title and entries fill the first column; B's title would be alone at its foot.
        assert_eq!(
            slots,
            [
                Slot { col: 0, line: 0, lines: 1 },
                Slot { col: 0, line: 1, lines: 1 },
                Slot { col: 0, line: 2, lines: 1 },
                Slot { col: 1, line: 0, lines: 1 },
                Slot { col: 1, line: 1, lines: 1 },
                Slot { col: 1, line: 2, lines: 1 },
            ]
        );
        // B's third entry does not fit: it goes on, with nothing dropped.
        assert_eq!(it.len(), 7);
        let rest = &it[slots.len()..];
        assert_eq!(rest, [Item { group: 1, entry: Some(2), lines: 1 }]);
        assert_eq!(fill(rest, 1, 10).len(), 1);
    }

    #[test]
    fn a_title_at_the_foot_of_a_column_moves_on() {
        let groups = [group("A", 1), group("B", 1)];
        let it = items(&groups, |_, _| 1);
        // A: title + entry, then one line left: B's title goes to the next column with its entry.
        let slots = fill(&it, 2, 3);
        assert_eq!(slots[2], Slot { col: 1, line: 0, lines: 1 });
        assert_eq!(slots[3], Slot { col: 1, line: 1, lines: 1 });
    }

    #[test]
    fn a_box_without_room_takes_nothing_and_a_tall_item_is_cut_to_the_column() {
        let it = items(&[group("A", 1)], |_, t| if t { 1 } else { 5 });
        assert!(fill(&it, 0, 5).is_empty());
        assert!(fill(&it, 3, 0).is_empty());
        let slots = fill(&it, 1, 3);
        assert_eq!(slots, [Slot { col: 0, line: 0, lines: 1 }, Slot { col: 0, line: 1, lines: 2 }]);
    }
}
