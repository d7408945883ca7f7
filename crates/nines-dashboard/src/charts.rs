//! SVG charts rendered on the server: a time chart (lines, reference lines, segments,
//! shaded ranges, a hover column per instant with exact values in `<title>`, and the same
//! numbers as a table) and the overview's sparkline. No chart engine: a chart here is a
//! few paths in a fixed view box that CSS scales to the page.

use std::fmt::Write as _;

use maud::{Markup, html};
use nines_core::source::Millis;

use crate::format;

/// View box width of a time chart; CSS scales it to the column.
const WIDTH: f64 = 720.0;
/// View box height of a time chart.
const HEIGHT: f64 = 220.0;
/// Room for the y axis labels on the left.
const LEFT: f64 = 56.0;
/// Room on the right for reference line labels.
const RIGHT: f64 = 12.0;
/// Room above the plot.
const TOP: f64 = 10.0;
/// Room for the x axis labels below.
const BOTTOM: f64 = 24.0;
/// Sparkline view box.
const SPARK_WIDTH: f64 = 96.0;
/// Sparkline view box height.
const SPARK_HEIGHT: f64 = 22.0;

/// How values of a chart's y axis are written.
#[derive(Clone, Copy, Debug)]
pub enum Unit {
    /// A fraction printed as a percentage with this many decimals.
    Percent(usize),
    /// A burn rate (`2.5×`).
    Rate,
    /// A whole count of events.
    Count,
}

impl Unit {
    fn text(self, value: f64) -> String {
        match self {
            Unit::Percent(decimals) => format::percent(Some(value), decimals),
            Unit::Rate => format::rate(Some(value)),
            Unit::Count => format::count(value),
        }
    }
}

/// One plotted series.
#[derive(Debug)]
pub struct Line {
    /// Name in the legend, hover and table.
    pub name: String,
    /// Style class (`s0`..`s5`): colour and dash pattern, so colour is not the only cue.
    pub style: usize,
    /// The value at each of the chart's instants (`None`: no value, a gap).
    pub values: Vec<Option<f64>>,
}

/// A horizontal reference line (a target, an alert threshold).
#[derive(Debug)]
pub struct Rule {
    /// Label drawn at its right end.
    pub name: String,
    /// Where it is.
    pub value: f64,
    /// CSS class (`target`, `aspiration`, `threshold`).
    pub class: &'static str,
}

/// A straight segment between two points (the ideal burn-down, the forecast).
#[derive(Debug)]
pub struct Segment {
    /// Name in the legend.
    pub name: String,
    /// Start.
    pub from: (Millis, f64),
    /// End.
    pub to: (Millis, f64),
    /// CSS class (`ideal`, `forecast`).
    pub class: &'static str,
}

/// A time chart.
#[derive(Debug)]
pub struct TimeChart {
    /// Key for tests and anchors (`budget`, `sli`, `burn`, `volume`).
    pub key: &'static str,
    /// Caption.
    pub title: String,
    /// What the chart says, for screen readers.
    pub summary: String,
    /// The instants the lines have values at, ascending.
    pub instants: Vec<Millis>,
    /// The time axis (may reach past the last instant, for a forecast).
    pub domain: (Millis, Millis),
    /// The value axis, extended to hold every value, rule and segment.
    pub range: (f64, f64),
    /// How values are written.
    pub unit: Unit,
    /// A logarithmic value axis (burn rates: 0.5× and 14.4× on one chart).
    pub log: bool,
    /// The series.
    pub lines: Vec<Line>,
    /// Reference lines.
    pub rules: Vec<Rule>,
    /// Segments.
    pub segments: Vec<Segment>,
    /// Ranges to shade (exclusions).
    pub shaded: Vec<(Millis, Millis)>,
}

/// Smallest value a logarithmic axis shows: a burn rate of 1% of the budget's pace.
const LOG_FLOOR: f64 = 0.01;

struct Scale {
    domain: (Millis, Millis),
    /// In axis units (log10 of the value on a logarithmic axis).
    range: (f64, f64),
    log: bool,
}

impl Scale {
    fn x(&self, at: Millis) -> f64 {
        let span = (self.domain.1 - self.domain.0).max(1) as f64;
        LEFT + (at - self.domain.0) as f64 / span * (WIDTH - LEFT - RIGHT)
    }
    fn y(&self, value: f64) -> f64 {
        let value = if self.log {
            value.max(LOG_FLOOR).log10()
        } else {
            value
        };
        let span = (self.range.1 - self.range.0).max(f64::EPSILON);
        TOP + (self.range.1 - value) / span * (HEIGHT - TOP - BOTTOM)
    }
}

/// A path through the points, broken where a value is missing.
fn path(points: impl Iterator<Item = (f64, Option<f64>)>) -> String {
    let mut out = String::new();
    let mut pen_down = false;
    for (x, y) in points {
        match y {
            Some(y) if y.is_finite() => {
                let _ = write!(out, "{}{x:.1},{y:.1}", if pen_down { 'L' } else { 'M' });
                pen_down = true;
            }
            _ => pen_down = false,
        }
    }
    out
}

impl TimeChart {
    /// Widens the value axis to hold every value, rule and segment (and `floor`..`ceiling`).
    pub fn fit(&mut self, floor: f64, ceiling: f64) {
        let mut low = floor;
        let mut high = ceiling;
        let values = self
            .lines
            .iter()
            .flat_map(|line| line.values.iter().flatten().copied())
            .chain(self.rules.iter().map(|rule| rule.value))
            .chain(
                self.segments
                    .iter()
                    .flat_map(|segment| [segment.from.1, segment.to.1]),
            )
            .filter(|value| value.is_finite());
        for value in values {
            low = low.min(value);
            high = high.max(value);
        }
        if self.log {
            // Whole decades, so the ticks read 0.1×, 1×, 10×.
            low = low.max(LOG_FLOOR).log10().floor();
            high = high.max(LOG_FLOOR).log10().ceil();
        }
        if (high - low).abs() < f64::EPSILON {
            high = low + 1.0;
        }
        self.range = (low, high);
    }

    /// The chart: SVG, legend and a table of the same numbers.
    pub fn render(&self) -> Markup {
        let scale = Scale {
            domain: self.domain,
            range: self.range,
            log: self.log,
        };
        let plot_bottom = HEIGHT - BOTTOM;
        let y_ticks: Vec<f64> = if self.log {
            let (low, high) = (self.range.0 as i32, self.range.1 as i32);
            (low..=high).map(|power| 10f64.powi(power)).collect()
        } else {
            let ticks = 4;
            (0..=ticks)
                .map(|index| {
                    self.range.0 + (self.range.1 - self.range.0) * index as f64 / ticks as f64
                })
                .collect()
        };
        let x_ticks = [
            self.domain.0,
            self.domain.0 + (self.domain.1 - self.domain.0) / 2,
            self.domain.1,
        ];
        let step = match self.instants.as_slice() {
            [first, second, ..] => second - first,
            _ => (self.domain.1 - self.domain.0).max(1),
        };
        let column_width = (scale.x(self.domain.0 + step) - scale.x(self.domain.0)).max(1.0);
        let has_data = self
            .lines
            .iter()
            .any(|line| line.values.iter().any(Option::is_some));
        html! {
            figure.chart data-chart=(self.key) {
                figcaption { (self.title) }
                svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(self.summary)
                    {
                    @for (start, end) in &self.shaded {
                        @let (left, right) = (scale.x((*start).max(self.domain.0)), scale.x((*end).min(self.domain.1)));
                        @if right > left {
                            rect.excluded x=(format!("{left:.1}")) y=(TOP) width=(format!("{:.1}", right - left))
                                height=(plot_bottom - TOP) {
                                title { "excluded: " (format::instant(*start)) " to " (format::instant(*end)) }
                            }
                        }
                    }
                    @for value in &y_ticks {
                        @let y = format!("{:.1}", scale.y(*value));
                        line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y) y2=(y) {}
                        text.axis x=(LEFT - 4.0) y=(y) dy="4" text-anchor="end" { (self.unit.text(*value)) }
                    }
                    @for (index, at) in x_ticks.iter().enumerate() {
                        text.axis x=(format!("{:.1}", scale.x(*at))) y=(HEIGHT - 6.0)
                            text-anchor=(match index { 0 => "start", 1 => "middle", _ => "end" }) {
                            (format::short_instant(*at))
                        }
                    }
                    @for rule in &self.rules {
                        @let y = format!("{:.1}", scale.y(rule.value));
                        line class=(rule.class) x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y) y2=(y) {
                            title { (rule.name) ": " (self.unit.text(rule.value)) }
                        }
                        text.rule x=(WIDTH - RIGHT - 2.0) y=(y) dy="-3" text-anchor="end" { (rule.name) }
                    }
                    @for segment in &self.segments {
                        line class=(segment.class)
                            x1=(format!("{:.1}", scale.x(segment.from.0))) y1=(format!("{:.1}", scale.y(segment.from.1)))
                            x2=(format!("{:.1}", scale.x(segment.to.0))) y2=(format!("{:.1}", scale.y(segment.to.1))) {
                            title { (segment.name) ": " (self.unit.text(segment.from.1)) " at " (format::instant(segment.from.0))
                                " to " (self.unit.text(segment.to.1)) " at " (format::instant(segment.to.0)) }
                        }
                    }
                    @for line in &self.lines {
                        path class={ "series s" (line.style % 6) } data-series=(line.name)
                            d=(path(self.instants.iter().zip(&line.values).map(|(at, value)| (scale.x(*at), value.map(|value| scale.y(value)))))) {}
                    }
                    @for (index, at) in self.instants.iter().enumerate() {
                        rect.hover x=(format!("{:.1}", scale.x(*at) - column_width / 2.0)) y=(TOP)
                            width=(format!("{column_width:.1}")) height=(plot_bottom - TOP) {
                            title {
                                (format::instant(*at))
                                @for line in &self.lines {
                                    "\n" (line.name) ": "
                                    (line.values[index].map_or_else(|| "no data".to_string(), |value| self.unit.text(value)))
                                }
                            }
                        }
                    }
                    @if !has_data {
                        text.empty x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" { "no data in this range" }
                    }
                }
                ul.legend {
                    @for line in &self.lines {
                        li { span class={ "swatch s" (line.style % 6) } {} (line.name) }
                    }
                    @for rule in &self.rules {
                        li { span class={ "swatch " (rule.class) } {} (rule.name) " " (self.unit.text(rule.value)) }
                    }
                    @for segment in &self.segments {
                        li { span class={ "swatch " (segment.class) } {} (segment.name) }
                    }
                    @if !self.shaded.is_empty() {
                        li { span.swatch.excluded {} "excluded time" }
                    }
                }
                details {
                    summary { "Table: " (self.title) }
                    table.data {
                        thead { tr { th scope="col" { "time (UTC)" } @for line in &self.lines { th scope="col" { (line.name) } } } }
                        tbody {
                            @for (index, at) in self.instants.iter().enumerate() {
                                tr data-at=(format::instant(*at)) {
                                    td { (format::instant(*at)) }
                                    @for line in &self.lines {
                                        @match line.values[index] {
                                            Some(value) => td data-series=(line.name) data-value=(value) { (self.unit.text(value)) },
                                            None => td data-series=(line.name) { "no data" },
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A sparkline of fractions (the budget remaining) over evenly spaced instants; `None`
/// when there is nothing to draw.
pub fn sparkline(values: &[(Millis, Option<f64>)], title: &str) -> Option<Markup> {
    let known: Vec<f64> = values.iter().filter_map(|(_, value)| *value).collect();
    if known.is_empty() {
        return None;
    }
    let low = known.iter().copied().fold(0.0_f64, f64::min);
    let high = known.iter().copied().fold(1.0_f64, f64::max);
    let span = (high - low).max(f64::EPSILON);
    let count = values.len().max(2) - 1;
    // Whole view-box units: a sparkline is 96 by 22 units, so a unit is under a pixel, and
    // 1,000 sparklines stay small on the wire.
    let mut drawn = String::new();
    let mut pen_down = false;
    for (index, (_, value)) in values.iter().enumerate() {
        match value {
            Some(value) if value.is_finite() => {
                let x = (index as f64 / count as f64 * SPARK_WIDTH).round();
                let y = (1.0 + (high - value) / span * (SPARK_HEIGHT - 2.0)).round();
                let _ = write!(drawn, "{}{x},{y}", if pen_down { 'L' } else { 'M' });
                pen_down = true;
            }
            _ => pen_down = false,
        }
    }
    let zero = (1.0 + high / span * (SPARK_HEIGHT - 2.0)).round();
    Some(html! {
        svg.spark viewBox={ "0 0 " (SPARK_WIDTH) " " (SPARK_HEIGHT) } role="img" {
            title { (title) }
            path.zero d={ "M0," (zero) "H" (SPARK_WIDTH) } {}
            path d=(drawn) {}
        }
    })
}

/// One row of a timeline: a value (or none) at each instant.
#[derive(Debug)]
pub struct Lane {
    /// Name at the left.
    pub name: String,
    /// The value at each instant (`None`: not holding / no state).
    pub values: Vec<Option<String>>,
}

/// A colour class for a timeline value: alerts holding and exhausted budgets read as bad,
/// states named like "at risk" as a warning, "healthy" as good, other policy states
/// neutral (their name is written in the bar as well).
fn run_class(value: &str) -> &'static str {
    let value = value.to_ascii_lowercase();
    if value == "holding" || value.contains("exhaust") || value.contains("freeze") {
        "bad"
    } else if value.contains("risk") || value.contains("warn") {
        "warn"
    } else if value.contains("healthy") || value == "ok" {
        "good"
    } else {
        "other"
    }
}

/// Height of one timeline lane.
const LANE_HEIGHT: f64 = 18.0;

/// A timeline: per lane, runs of equal values as bars with `<title>` hovers, and a table
/// of the runs. Used for alert rows holding and the policy state over time.
pub fn timeline(key: &'static str, title: &str, instants: &[Millis], lanes: &[Lane]) -> Markup {
    let domain = (
        instants.first().copied().unwrap_or_default(),
        instants.last().copied().unwrap_or_default(),
    );
    let scale = Scale {
        domain,
        range: (0.0, 1.0),
        log: false,
    };
    let step = match instants {
        [first, second, ..] => second - first,
        _ => 60_000,
    };
    // Runs: (lane, value, start, end).
    let mut runs: Vec<(usize, &str, Millis, Millis)> = Vec::new();
    for (lane_index, lane) in lanes.iter().enumerate() {
        let mut index = 0;
        while index < lane.values.len() {
            let value = &lane.values[index];
            let mut end = index;
            while end + 1 < lane.values.len() && lane.values[end + 1] == *value {
                end += 1;
            }
            if let Some(value) = value {
                runs.push((lane_index, value, instants[index], instants[end]));
            }
            index = end + 1;
        }
    }
    let height = TOP + LANE_HEIGHT * lanes.len().max(1) as f64 + BOTTOM;
    html! {
        figure.chart.timeline data-chart=(key) {
            figcaption { (title) }
            svg viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(title) {
                @for (index, lane) in lanes.iter().enumerate() {
                    text.axis x=(LEFT - 4.0) y=(format!("{:.1}", TOP + LANE_HEIGHT * (index as f64 + 0.7))) text-anchor="end" { (lane.name) }
                    line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(format!("{:.1}", TOP + LANE_HEIGHT * (index as f64 + 1.0))) y2=(format!("{:.1}", TOP + LANE_HEIGHT * (index as f64 + 1.0))) {}
                }
                @for (lane, value, start, end) in &runs {
                    @let left = scale.x(*start);
                    @let right = scale.x(*end + step).min(WIDTH - RIGHT);
                    rect class={ "run " (run_class(value)) } x=(format!("{left:.1}")) y=(format!("{:.1}", TOP + LANE_HEIGHT * *lane as f64 + 2.0))
                        width=(format!("{:.1}", (right - left).max(1.0))) height=(LANE_HEIGHT - 4.0) {
                        title { (lanes[*lane].name) ": " (value) " from " (format::instant(*start)) " to " (format::instant(*end)) }
                    }
                    // The value in words where the bar has room: colour is not the only cue.
                    @if right - left > 8.0 * value.len() as f64 {
                        text.run x=(format!("{:.1}", left + 4.0)) y=(format!("{:.1}", TOP + LANE_HEIGHT * *lane as f64 + LANE_HEIGHT * 0.68)) { (value) }
                    }
                }
                @for (index, at) in [domain.0, domain.1].iter().enumerate() {
                    text.axis x=(format!("{:.1}", scale.x(*at))) y=(height - 6.0) text-anchor=(if index == 0 { "start" } else { "end" }) {
                        (format::short_instant(*at))
                    }
                }
                @if runs.is_empty() {
                    text.empty x=(WIDTH / 2.0) y=(TOP + 12.0) text-anchor="middle" { "nothing in this range" }
                }
            }
            details {
                summary { "Table: " (title) }
                table.data {
                    thead { tr { th scope="col" { "row" } th scope="col" { "value" } th scope="col" { "from" } th scope="col" { "to (last point)" } } }
                    tbody {
                        @for (lane, value, start, end) in &runs {
                            tr { td { (lanes[*lane].name) } td { (value) } td { (format::instant(*start)) } td { (format::instant(*end)) } }
                        }
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
    fn paths_break_at_missing_values() {
        let drawn = path(
            [
                (0.0, Some(1.0)),
                (1.0, None),
                (2.0, Some(3.0)),
                (3.0, Some(4.0)),
            ]
            .into_iter(),
        );
        assert_eq!(drawn, "M0.0,1.0M2.0,3.0L3.0,4.0");
    }

    #[test]
    fn chart_names_are_escaped_and_values_kept_exact() {
        let chart = TimeChart {
            key: "sli",
            title: "<img src=x onerror=alert(1)>".to_string(),
            summary: String::new(),
            instants: vec![0, 60_000],
            domain: (0, 60_000),
            range: (0.0, 1.0),
            unit: Unit::Percent(2),
            log: false,
            lines: vec![Line {
                name: "<b>".to_string(),
                style: 0,
                values: vec![Some(0.25), None],
            }],
            rules: vec![],
            segments: vec![],
            shaded: vec![],
        };
        let html = chart.render().into_string();
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains(r#"data-value="0.25""#));
        assert!(html.contains("no data"));
    }
}
