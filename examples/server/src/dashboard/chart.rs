//! Charts as server-rendered SVG. Each chart is an image with a title for
//! screen readers, a tooltip per mark, and its numbers in a table beside
//! it, so nothing is shown only as a picture.

use maud::{html, Markup};

/// One coloured series of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend and the table.
    pub name: &'static str,
    /// The CSS class that colours it (`s-valid`, `s-flagged`, ...).
    pub class: &'static str,
    /// One value per label.
    pub values: Vec<u64>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

/// A bar per label with the series stacked, the first at the bottom.
pub fn stacked_bars(id: &str, title: &str, labels: &[String], series: &[Series]) -> Markup {
    let totals: Vec<u64> = (0..labels.len())
        .map(|i| series.iter().map(|s| value(s, i)).sum())
        .collect();
    let max = nice_max(totals.iter().copied().max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / labels.len().max(1) as f64;
    let bar = (slot * 0.8).max(1.0);
    let y = |v: u64| plot_h * v as f64 / max as f64;
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(format!("{id}-title")) {
                title id=(format!("{id}-title")) { (title) }
                (axes(max, plot_w, plot_h))
                @for (i, label) in labels.iter().enumerate() {
                    @let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
                    @for (s, base, v) in stack(series, i) {
                        rect class=(s.class) x=(fmt(x)) y=(fmt(TOP + plot_h - y(base + v))) width=(fmt(bar)) height=(fmt(y(v))) {
                            title { (label) ": " (v) " " (s.name) }
                        }
                    }
                }
                (x_labels(labels, slot))
            }
            (legend(series))
            (table(title, labels, series))
        }
    }
}

/// A line through one value per label.
pub fn line(id: &str, title: &str, labels: &[String], s: &Series) -> Markup {
    let max = nice_max(s.values.iter().copied().max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - 8.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = plot_w / labels.len().max(1) as f64;
    let point = |i: usize| {
        let x = LEFT + slot * i as f64 + slot / 2.0;
        let y = TOP + plot_h - plot_h * value(s, i) as f64 / max as f64;
        (x, y)
    };
    let path: Vec<String> = (0..labels.len())
        .map(|i| {
            let (x, y) = point(i);
            format!("{},{}", fmt(x), fmt(y))
        })
        .collect();
    html! {
        figure.chart {
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-labelledby=(format!("{id}-title")) {
                title id=(format!("{id}-title")) { (title) }
                (axes(max, plot_w, plot_h))
                polyline class=(format!("line {}", s.class)) points=(path.join(" ")) {}
                @for (i, label) in labels.iter().enumerate() {
                    @let (x, y) = point(i);
                    circle class=(s.class) cx=(fmt(x)) cy=(fmt(y)) r="3" {
                        title { (label) ": " (value(s, i)) " " (s.name) }
                    }
                }
                (x_labels(labels, slot))
            }
            (table(title, labels, std::slice::from_ref(s)))
        }
    }
}

/// The non-zero segments of bar `i`: each series with the sum below it.
fn stack(series: &[Series], i: usize) -> Vec<(&Series, u64, u64)> {
    let mut base = 0;
    let mut out = Vec::new();
    for s in series {
        let v = value(s, i);
        if v > 0 {
            out.push((s, base, v));
        }
        base += v;
    }
    out
}

fn value(s: &Series, i: usize) -> u64 {
    s.values.get(i).copied().unwrap_or(0)
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `max` (at least 1), so the
/// axis reads in round numbers.
pub fn nice_max(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if let Some(v) = step.checked_mul(m) {
                if v >= max {
                    return v;
                }
            }
        }
        match step.checked_mul(10) {
            Some(next) => step = next,
            None => return u64::MAX,
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

fn axes(max: u64, plot_w: f64, plot_h: f64) -> Markup {
    // The middle line sits at its own value (2 of 5 is not half way).
    let half = max / 2;
    let half_y = TOP + plot_h - plot_h * half as f64 / max as f64;
    html! {
        g.axis aria-hidden="true" {
            line x1=(fmt(LEFT)) y1=(fmt(TOP)) x2=(fmt(LEFT)) y2=(fmt(TOP + plot_h)) {}
            line x1=(fmt(LEFT)) y1=(fmt(TOP + plot_h)) x2=(fmt(LEFT + plot_w)) y2=(fmt(TOP + plot_h)) {}
            @if half > 0 {
                line.grid x1=(fmt(LEFT)) y1=(fmt(half_y)) x2=(fmt(LEFT + plot_w)) y2=(fmt(half_y)) {}
                text x=(fmt(LEFT - 6.0)) y=(fmt(half_y + 4.0)) text-anchor="end" { (half) }
            }
            text x=(fmt(LEFT - 6.0)) y=(fmt(TOP + 4.0)) text-anchor="end" { (max) }
            text x=(fmt(LEFT - 6.0)) y=(fmt(TOP + plot_h + 4.0)) text-anchor="end" { "0" }
        }
    }
}

/// At most eight labels along the bottom, evenly spread.
fn x_labels(labels: &[String], slot: f64) -> Markup {
    let every = labels.len().div_ceil(8).max(1);
    html! {
        g.axis aria-hidden="true" {
            @for (i, label) in labels.iter().enumerate().filter(|(i, _)| i % every == 0) {
                text x=(fmt(LEFT + slot * i as f64 + slot / 2.0)) y=(fmt(HEIGHT - 6.0)) text-anchor="middle" {
                    (label.get(5..).unwrap_or(label))
                }
            }
        }
    }
}

fn legend(series: &[Series]) -> Markup {
    html! {
        ul.legend {
            @for s in series {
                li { span class=(format!("swatch {}", s.class)) aria-hidden="true" {} (s.name) }
            }
        }
    }
}

/// The chart's numbers, for screen readers and anyone who wants them.
fn table(title: &str, labels: &[String], series: &[Series]) -> Markup {
    html! {
        details.chart-data {
            summary { "The numbers" }
            table {
                caption { (title) }
                thead { tr { th scope="col" { "Date" } @for s in series { th scope="col" { (s.name) } } } }
                tbody {
                    @for (i, label) in labels.iter().enumerate() {
                        tr { th scope="row" { (label) } @for s in series { td { (value(s, i)) } } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_top_is_a_round_number_at_or_above_the_maximum() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(1), 1);
        assert_eq!(nice_max(3), 5);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(500), 500);
        assert_eq!(nice_max(501), 1000);
        assert_eq!(nice_max(u64::MAX), u64::MAX);
    }

    #[test]
    fn every_value_is_in_the_table_and_a_tooltip() {
        let labels = vec!["2026-12-01".to_owned(), "2026-12-02".to_owned()];
        let s = [
            Series {
                name: "valid",
                class: "s-valid",
                values: vec![3, 0],
            },
            Series {
                name: "blocked",
                class: "s-blocked",
                values: vec![1, 7],
            },
        ];
        let svg = stacked_bars("t", "Clicks", &labels, &s).into_string();
        assert!(svg.contains("2026-12-02: 7 blocked"));
        assert!(!svg.contains("2026-12-02: 0 valid"), "no empty segment");
        assert!(svg.contains("<td>7</td>"));
        assert!(svg.contains(">10<"), "axis top for a stack of 7: {svg}");
    }
}
