//! Bar charts for the admin analytics: values scaled to the longest bar, labelled.

/// One bar: its label, the value shown, and its length in percent of the longest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value_label: String,
    pub percent: u32,
}

/// Scales `(label, value, value_label)` rows to bars, the longest one full; negative values
/// count as zero.
pub fn bars(rows: impl IntoIterator<Item = (String, i64, String)>) -> Vec<Bar> {
    let rows: Vec<_> = rows.into_iter().collect();
    let max = rows.iter().map(|(_, v, _)| (*v).max(0)).max().unwrap_or(0);
    bars_against(rows, max)
}

/// Scales rows against `full` (e.g. 100 for percentages: 3 of 240 seats is a short bar,
/// however empty the other shows are); values beyond it are full bars.
pub fn bars_against(rows: impl IntoIterator<Item = (String, i64, String)>, full: i64) -> Vec<Bar> {
    let max = full.max(0);
    rows.into_iter()
        .map(|(label, value, value_label)| Bar {
            label,
            value_label,
            percent: if max == 0 {
                0
            } else {
                ((value.clamp(0, max) as i128 * 100) / max as i128) as u32
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupancy_is_drawn_against_capacity_not_the_busiest_show() {
        let b = bars_against(
            [
                ("quiet".to_string(), 3 * 100 / 240, "3/240".to_string()),
                ("full".to_string(), 100, "240/240".to_string()),
            ],
            100,
        );
        assert_eq!(b[0].percent, 1, "3 of 240 seats is a sliver");
        let alone = bars_against([("only".to_string(), 1, "3/240".to_string())], 100);
        assert_eq!(alone[0].percent, 1, "even when it is the busiest show");
    }

    #[test]
    fn scales_to_the_longest_bar() {
        let b = bars([
            ("a".to_string(), 50, "50".to_string()),
            ("b".to_string(), 200, "200".to_string()),
            ("c".to_string(), -3, "-3".to_string()),
        ]);
        assert_eq!(
            b.iter().map(|b| b.percent).collect::<Vec<_>>(),
            vec![25, 100, 0]
        );
        assert!(bars([("z".to_string(), 0, "0".to_string())])[0].percent == 0);
        assert!(bars(Vec::new()).is_empty());
    }
}
