//! The "who can ask whom" matrix: every state in the dataset × every state × four data
//! categories on one date (issue 6 target: under one second).

use std::hint::black_box;
use std::path::Path;

use accord_law::{DataCategory, Query, load::load_dir, route};
use criterion::{Criterion, criterion_group, criterion_main};

fn matrix(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/law");
    let dataset = match load_dir(&dir) {
        Ok(d) => d,
        Err(e) => panic!("cannot load {}: {e}", dir.display()),
    };
    let states = dataset.states();
    let on = jiff::civil::date(2026, 11, 29);
    let categories = [
        DataCategory::Subscriber,
        DataCategory::Traffic,
        DataCategory::Content,
        DataCategory::Domain,
    ];
    let cells = states.len() * states.len() * categories.len();
    let mut group = c.benchmark_group("matrix");
    group.sample_size(10);
    group.bench_function(
        format!(
            "{} states x {} states x 4 categories ({cells} answers)",
            states.len(),
            states.len()
        ),
        |b| {
            b.iter(|| {
                let mut pathways = 0usize;
                for &from in &states {
                    for &to in &states {
                        for &data in &categories {
                            let q = Query {
                                from,
                                to,
                                data,
                                emergency: false,
                                on,
                            };
                            pathways += route(&dataset, &q).pathways.len();
                        }
                    }
                }
                black_box(pathways)
            })
        },
    );
    // The dashboard's matrix: the same answers, keeping the fastest production pathway.
    group.bench_function("matrix() for one category (content)", |b| {
        b.iter(|| {
            black_box(
                accord_law::matrix::matrix(&dataset, &states, DataCategory::Content, false, on)
                    .cells
                    .len(),
            )
        })
    });
    group.bench_function("one answer FR->US subscriber", |b| {
        let q = Query::parse("FR", "US", "subscriber", false, "2026-11-29")
            .unwrap_or_else(|e| panic!("{e}"));
        b.iter(|| black_box(route(&dataset, &q).pathways.len()))
    });
    group.finish();
}

criterion_group!(benches, matrix);
criterion_main!(benches);
