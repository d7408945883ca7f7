//! Memory and disk per SLI, and the store's load time, for N SLIs with D days of
//! one-minute counts.
//!
//! `cargo run --release -p nines-store --example footprint -- --slis 100 --days 30`
//! `--keep DIR` leaves the store in DIR/data and a spec for the N SLIs in DIR/specs, for
//! `bench/startup.sh` to start a server on.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use nines_spec::{Source, load_sources};
use nines_store::{Batch, Delta, Store, StoreConfig};

const MINUTE: i64 = 60_000;

fn spec(slis: usize) -> String {
    let mut text = String::new();
    for service in 0..slis.div_ceil(5) {
        text.push_str(&format!(
            "---\napiVersion: nines/v1\nname: svc-{service:04}\nowner: team-{service}\nslos:\n"
        ));
        for slo in 0..5.min(slis - service * 5) {
            text.push_str(&format!(
                "  - name: slo-{slo}\n    target: 99.9%\n    window: 28d\n    sli:\n      events:\n        valid: route == \"/api/{slo}\"\n        good: status < 500\n"
            ));
        }
    }
    text
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut slis = 100usize;
    let mut days = 30i64;
    let mut keep: Option<std::path::PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--slis" => slis = args.next().ok_or("--slis N")?.parse()?,
            "--days" => days = args.next().ok_or("--days D")?.parse()?,
            "--keep" => keep = Some(args.next().ok_or("--keep DIR")?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let root = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("nines-footprint-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("specs"))?;
    let text = spec(slis);
    std::fs::write(root.join("specs/slis.yaml"), &text)?;
    let loaded = load_sources(&[Source {
        name: "slis.yaml".into(),
        text,
    }]);
    let catalog = loaded.catalog;
    let series: Vec<String> = catalog
        .slos
        .iter()
        .flat_map(|slo| {
            slo.objectives
                .iter()
                .map(move |objective| slo.series_key(objective))
        })
        .collect();
    assert_eq!(series.len(), slis);
    let now = jiff::Timestamp::now().as_millisecond().div_euclid(MINUTE) * MINUTE;
    let minutes = days * 24 * 60;
    let config = StoreConfig::default();
    let started = Instant::now();
    {
        let store = Store::open(&root.join("data"), config.clone())?;
        for (index, key) in series.iter().enumerate() {
            let deltas = (0..minutes)
                .map(|minute| {
                    let valid = 500 + (minute * 7 + index as i64 * 13) % 1000;
                    Delta {
                        series: key.clone(),
                        at: now - (minutes - minute) * MINUTE,
                        good: valid - (minute + index as i64) % 3,
                        valid: valid as u64,
                    }
                })
                .collect();
            store.write(Batch {
                deltas,
                ..Batch::default()
            })?;
        }
    }
    let written = started.elapsed();
    let opened = Instant::now();
    let store = Store::open(&root.join("data"), config)?;
    store.prepare(&catalog);
    let load = opened.elapsed();
    let memory = store.view().heap_bytes();
    let disk = store.disk_bytes();
    println!("SLIs: {slis}, days: {days}, one-minute intervals per SLI: {minutes}");
    println!("written in {:.1} s", written.as_secs_f64());
    println!(
        "disk: {:.1} MB in all, {:.1} KB per SLI ({:.2} bytes per interval)",
        disk as f64 / 1e6,
        disk as f64 / slis as f64 / 1e3,
        disk as f64 / (slis as f64 * minutes as f64)
    );
    println!(
        "memory: {:.1} MB in all, {:.1} KB per SLI ({:.2} bytes per interval)",
        memory as f64 / 1e6,
        memory as f64 / slis as f64 / 1e3,
        memory as f64 / (slis as f64 * minutes as f64)
    );
    println!("store open and load: {:.2} s", load.as_secs_f64());
    drop(store);
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&root);
    }
    Ok(())
}
