//! The server-rendered dashboard, driven through the router with `oneshot` over a SQLite store
//! seeded with the bundled dataset. Expectations are computed from the data files, so the
//! tests follow the dataset as it grows.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use accord_core::dataset::Dataset;
use accord_core::incident::{group_thousands, is_attack_technique_id};
use accord_core::party::{PartyKind, SinceMeaning};
use accord_core::record::IncidentRecord;
use accord_server::{AppState, app};
use accord_store::Store;

/// Reads `data/` the way the hub's loader does: the three top-level files and one file per
/// incident.
fn bundled() -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let incidents: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p).unwrap(),
            )
        })
        .collect();
    Dataset::from_texts(
        &read("accord.json"),
        &read("parties.json"),
        &read("principle-rules.json"),
        incidents.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .unwrap_or_else(|e| panic!("bundled data is invalid: {e}"))
}

struct Hub {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    state: AppState,
    data: Dataset,
}

async fn hub() -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = common::store(dir.path()).await;
    let data = bundled();
    let operator = Arc::new(accord_store::log::Operator::load_or_create(dir.path(), None).unwrap());
    accord_store::write::seed_bundled(store.as_ref(), operator.clone(), &data)
        .await
        .unwrap();
    let sequencer = accord_store::sequencer::Sequencer::start(store.clone(), operator);
    Hub {
        state: AppState::new(store.clone(), sequencer),
        _dir: dir,
        store,
        data,
    }
}

struct Page {
    status: StatusCode,
    content_type: String,
    csp: String,
    body: String,
}

impl Hub {
    async fn send(&self, req: Request<Body>) -> Page {
        let resp = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let header_text = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let csp = header_text(header::CONTENT_SECURITY_POLICY);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            content_type,
            csp,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, uri: &str) -> Page {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// GETs an HTML page and asserts it is a 200 HTML answer.
    async fn html(&self, uri: &str) -> String {
        let p = self.get(uri).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.body);
        assert_eq!(p.content_type, "text/html; charset=utf-8", "{uri}");
        assert!(p.body.starts_with("<!doctype html>"), "{uri}");
        assert!(p.csp.contains("default-src 'none'"), "{uri}: no CSP");
        p.body
    }

    async fn records(&self) -> Vec<IncidentRecord> {
        self.store.all_incidents().await.unwrap()
    }
}

/// What askama writes for text: `"&'<>` become numeric character references.
fn esc(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '&' => out.push_str("&#38;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            c => out.push(c),
        }
    }
    out
}

/// The inverse of [`esc`], for following links found in a page.
fn unesc(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
}

/// The incident ids linked from the rows of an incidents-list page.
fn listed_ids(body: &str) -> Vec<String> {
    body.split("<th scope=\"row\"><a href=\"/incidents/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The target of the link with the given text, unescaped.
fn link_to(body: &str, text: &str) -> Option<String> {
    let end = body.find(&format!("\">{text}</a>"))?;
    let start = body[..end].rfind("href=\"")? + "href=\"".len();
    Some(unesc(&body[start..end]))
}

/// Checks that `text` is well-formed markup: every element closed in order, attribute values
/// quoted, one root. Returns the element names in document order.
fn well_formed(text: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = text.trim();
    let mut roots = 0;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').expect("unterminated tag");
        let tag = &after[..close];
        rest = &after[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack.pop().expect("close tag without open tag");
            assert_eq!(top, name.trim(), "mismatched close tag");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name: String = tag
            .trim_end_matches('/')
            .split_whitespace()
            .next()
            .expect("empty tag")
            .to_owned();
        // Attribute values are quoted: an even number of quotes inside the tag.
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in <{tag}>"
        );
        if stack.is_empty() {
            roots += 1;
        }
        names.push(name.clone());
        if !self_closing {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "exactly one root element");
    names
}

#[tokio::test]
async fn home_shows_the_accord_principles_counts_blocs_and_chart() {
    let h = hub().await;
    let body = h.html("/").await;
    let a = &h.data.accord;
    assert!(body.contains(&format!("<title>{} · Accord</title>", esc(&a.name))));
    assert!(body.contains(&format!("<h1>{}</h1>", esc(&a.name))));
    assert!(body.contains(&a.launched.to_string()));
    assert!(body.contains(&esc(&a.venue)));
    assert!(body.contains(&esc(&a.summary)));
    for s in &a.sources {
        if let Some(url) = &s.url {
            assert!(body.contains(&format!("href=\"{}\"", esc(url))), "{url}");
        }
    }
    for p in &a.principles {
        assert!(body.contains(&format!("{} {}</th>", p.id, esc(&p.short_name))));
        assert!(body.contains(&esc(&p.gist)));
    }
    for c in &a.supporter_counts {
        assert!(body.contains(&format!("<th scope=\"row\">{}</th>", esc(&c.label))));
    }
    // Counts of what the hub holds.
    let counts = h.store.counts().await.unwrap();
    assert!(body.contains(&format!("<a href=\"/parties\">{}</a>", counts.parties)));
    assert!(body.contains(&format!("<a href=\"/incidents\">{}</a>", counts.incidents)));
    // Every verification level present in the accord's sources shows as a badge.
    for s in &a.sources {
        let level = s.verification.as_str();
        assert!(body.contains(&format!("<span class=\"badge {level}\">{level}</span>")));
    }
    // The bloc view says what its statuses and dates mean.
    assert!(body.contains("Supporters</th>"));
    assert!(body.contains("Non-supporters</th>"));
    assert!(body.contains("Statuses are current"));
    assert!(body.contains("first-seen upper bounds"));
    assert!(body.contains("<th scope=\"col\" class=\"num\">Attributed (tiers 1–2)</th>"));
    // The chart is inline, with its tooltips.
    assert!(body.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(body.contains("<title id=\"chart-title\">"));
    // No scripts and nothing loaded from elsewhere.
    assert!(!body.contains("<script"));
    assert!(!body.contains("<link"));
}

#[tokio::test]
async fn the_chart_has_one_point_per_principle_and_year() {
    let h = hub().await;
    let p = h.get("/charts/principles.svg").await;
    assert_eq!(p.status, StatusCode::OK);
    assert_eq!(p.content_type, "image/svg+xml");
    let names = well_formed(&p.body);
    assert_eq!(names[0], "svg");
    assert!(
        p.body
            .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    );

    // Expected points, counted here from the records: incidents per (principle, year).
    let mut expected: BTreeMap<(String, i16), usize> = BTreeMap::new();
    for r in h.records().await {
        if let Some(y) = r.incident.year() {
            for pr in r.principles() {
                *expected.entry((pr.to_string(), y)).or_default() += 1;
            }
        }
    }
    assert!(!expected.is_empty());
    let points: Vec<&str> = p.body.split("<g class=\"point\" ").skip(1).collect();
    assert_eq!(points.len(), expected.len(), "one element per data point");
    for ((principle, year), count) in &expected {
        let attrs =
            format!("data-principle=\"{principle}\" data-year=\"{year}\" data-count=\"{count}\"");
        assert!(
            points.iter().any(|pt| pt.starts_with(&attrs)),
            "no point {attrs}"
        );
        let noun = if *count == 1 { "incident" } else { "incidents" };
        assert!(
            p.body
                .contains(&format!(": {count} {noun} in {year}</title>"))
        );
    }
    // Each year between the first and the last labels a column, gaps included.
    let years: BTreeSet<i16> = expected.keys().map(|(_, y)| *y).collect();
    let (first, last) = (*years.first().unwrap(), *years.last().unwrap());
    for y in first..=last {
        assert!(
            p.body.contains(&format!(">{y}</text>")),
            "no column for {y}"
        );
    }
    // The same chart is drawn inline on the home page.
    let home = h.html("/").await;
    assert_eq!(home.matches("<g class=\"point\" ").count(), expected.len());
}

/// Every page of the parties list, following its "Next page" links from `first`.
async fn all_pages(h: &Hub, first: &str) -> Vec<String> {
    let mut pages = vec![h.html(first).await];
    while let Some(at) = pages.last().unwrap().find("<a rel=\"next\" href=\"") {
        let rest = &pages.last().unwrap()[at + 20..];
        let href = rest[..rest.find('"').unwrap()].replace("&#38;", "&");
        pages.push(h.html(&href).await);
        assert!(pages.len() < 100, "the pages never end");
    }
    pages
}

#[tokio::test]
async fn parties_list_labels_first_seen_dates_and_filters() {
    let h = hub().await;
    let body = h.html("/parties").await;
    assert!(body.contains("<title>Parties · Accord</title>"));
    // Paged on the server: a page holds 100 rows, and the pages hold every party once.
    assert_eq!(body.matches("<tr>\n<th scope=\"row\">").count(), 100);
    let pages = all_pages(&h, "/parties?limit=300").await;
    let all = pages.concat();
    assert_eq!(pages.len(), (h.data.parties.len() + 1).div_ceil(300));
    for p in &h.data.parties {
        let row = format!("<a href=\"/parties/{}\">{}</a>", p.id, esc(&p.name));
        assert_eq!(all.matches(&row).count(), 1, "{} not shown once", p.id);
    }
    // First-seen dates are labelled as upper bounds; announced joins as joins.
    let first_seen = h
        .data
        .parties
        .iter()
        .find(|p| {
            p.support
                .as_ref()
                .is_some_and(|s| s.since_meaning == SinceMeaning::FirstSeenUpperBound)
        })
        .expect("a first-seen supporter");
    let since = first_seen.support.as_ref().unwrap().since;
    assert!(all.contains(&format!(
        "listed by {since} (first seen; may have joined earlier)"
    )));
    if let Some(joined) = h.data.parties.iter().find(|p| {
        p.support
            .as_ref()
            .is_some_and(|s| s.since_meaning == SinceMeaning::Joined)
    }) {
        let since = joined.support.as_ref().unwrap().since;
        assert!(all.contains(&format!("joined {since}")));
    }
    let absent = h
        .data
        .parties
        .iter()
        .filter(|p| p.absent_at_launch.is_some())
        .count();
    assert!(absent > 0);
    assert_eq!(all.matches("<span class=\"flag absent\">").count(), absent);

    // Kind filter: only companies, over every page.
    let companies = h
        .data
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Company)
        .count();
    let pages = all_pages(&h, "/parties?kind=company&status=").await;
    let rows: usize = pages
        .iter()
        .map(|b| b.matches("<tr>\n<th scope=\"row\">").count())
        .sum();
    assert_eq!(rows, companies);
    assert!(pages[0].contains(&format!("{companies} match these filters")));
    assert!(!pages.concat().contains(">France</a>"));
    assert!(pages[0].contains("<option value=\"company\" selected>"));
    // Later pages link back to the first, with the filters kept.
    assert!(pages[1].contains("<a href=\"/parties?kind=company\">First page</a>"));

    // Status filter: Russia stayed out, France supports.
    let body = h.html("/parties?status=non-supporter").await;
    assert!(body.contains(">Russia</a>"));
    assert!(!body.contains(">France</a>"));
    let body = h.html("/parties?kind=state&status=supporter").await;
    assert!(body.contains(">France</a>"));
    assert!(!body.contains(">Russia</a>"));
    // Searching is done on the server, in any case, over listed names too.
    let body = h.html("/parties?q=GOOGLE").await;
    assert!(body.contains(">Google</a>"));
    assert!(body.contains("<span class=\"status supporter\">supporter</span>"));
    let body = h.html("/parties?q=allemagne").await;
    assert!(body.contains(">Germany</a> <span class=\"muted\">(listed as Allemagne)</span>"));
    assert!(body.contains("value=\"allemagne\""));
}

/// The supporters charts count the registry's supporters by kind and by year first listed,
/// drawn on the server as SVG inside the parties page.
#[tokio::test]
async fn parties_page_charts_supporters_by_kind_and_year() {
    let h = hub().await;
    let today = accord_server::today();
    let counts = accord_core::registry::supporter_counts(&h.data.parties, today);
    let body = h.html("/parties?kind=state").await;
    for (kind, n) in counts.by_kind.iter().filter(|(_, n)| *n > 0) {
        assert!(
            body.contains(&format!(
                "<g class=\"bar\" data-label=\"{}\" data-count=\"{n}\">",
                kind.label()
            )),
            "{kind}: {n}"
        );
    }
    let companies = counts
        .by_kind
        .iter()
        .find(|(k, _)| *k == PartyKind::Company)
        .unwrap()
        .1;
    assert_eq!(companies, 708);
    for (year, n) in &counts.by_year {
        assert!(body.contains(&format!(
            "<g class=\"bar\" data-label=\"{year}\" data-count=\"{n}\">"
        )));
    }
    assert!(body.contains("<title id=\"by-kind-title\">Supporters by kind</title>"));
    assert!(body.contains("<title id=\"by-year-title\">Supporters by year first listed</title>"));
}

#[tokio::test]
async fn party_pages_show_the_scorecard() {
    let h = hub().await;
    let records = h.records().await;
    for id in ["RU", "FR", "US"] {
        let party = h.data.parties.iter().find(|p| p.id == id).unwrap();
        let body = h.html(&format!("/parties/{id}")).await;
        assert!(body.contains(&format!("<title>{} · Accord</title>", party.name)));
        assert!(body.contains("<section id=\"scorecard\""));
        assert!(body.contains("<h2 id=\"scorecard-heading\">Scorecard</h2>"));
        // Incidents the record links to the state as initiator, and those it suffered.
        let code = party.country.unwrap();
        let initiated: Vec<&IncidentRecord> = records
            .iter()
            .filter(|r| r.incident.linked_states().contains(&code))
            .collect();
        let suffered: Vec<&IncidentRecord> = records
            .iter()
            .filter(|r| r.incident.victim_countries().contains(&code))
            .collect();
        assert!(body.contains(&format!(
            "<dt>Incidents as initiator</dt><dd>{}</dd>",
            initiated.len()
        )));
        assert!(body.contains(&format!(
            "<dt>Incidents suffered</dt><dd>{}</dd>",
            suffered.len()
        )));
        for r in initiated.iter().chain(&suffered) {
            assert!(body.contains(&format!(
                "<a href=\"/incidents/{}\">{}</a>",
                r.incident.id,
                esc(&r.incident.title)
            )));
        }
        // Attribution bases of the attributions naming the state, and the derived contested
        // marker.
        for r in &initiated {
            for a in r
                .incident
                .attributions
                .iter()
                .filter(|a| a.attributed_to == Some(code))
            {
                assert!(body.contains(a.basis.as_str()));
            }
        }
        let contested = initiated
            .iter()
            .any(|r| !r.incident.contests(Some(code), id).is_empty());
        assert_eq!(
            body.contains("<span class=\"flag contested\">contested</span>"),
            contested,
            "{id}"
        );
    }
    let ru = h.html("/parties/RU").await;
    assert!(ru.contains("<span class=\"status non-supporter\">non-supporter</span>"));
    assert!(ru.contains("absent at launch"));
    let fr = h.html("/parties/FR").await;
    assert!(fr.contains("<span class=\"status supporter\">supporter</span>"));
    assert!(fr.contains("(first seen; may have joined earlier)"));
}

#[tokio::test]
async fn incidents_list_filters_narrow_and_pages_link_on() {
    let h = hub().await;
    let records = h.records().await;
    let body = h.html("/incidents?limit=500").await;
    let all = listed_ids(&body);
    assert_eq!(all.len(), records.len());
    for r in &records {
        assert!(body.contains(&esc(&r.incident.title)));
    }
    assert!(body.contains("<label for=\"f-principle\">"));
    assert!(body.contains("<label for=\"f-year\">"));

    // Each filter narrows the list to exactly the matching records.
    let year = records
        .iter()
        .filter_map(|r| r.incident.year())
        .max()
        .unwrap();
    let by_year: BTreeSet<String> = records
        .iter()
        .filter(|r| r.incident.year() == Some(year))
        .map(|r| r.incident.id.clone())
        .collect();
    let body = h
        .html(&format!("/incidents?year={year}&principle=&party="))
        .await;
    let listed: BTreeSet<String> = listed_ids(&body).into_iter().collect();
    assert_eq!(listed, by_year);
    assert!(listed.len() < records.len());
    assert!(body.contains(&format!("value=\"{year}\"")));

    let p8: BTreeSet<String> = records
        .iter()
        .filter(|r| r.principles().iter().any(|p| p.to_string() == "P8"))
        .map(|r| r.incident.id.clone())
        .collect();
    let body = h.html("/incidents?principle=P8").await;
    let listed: BTreeSet<String> = listed_ids(&body).into_iter().collect();
    assert_eq!(listed, p8);
    assert!(body.contains("<option value=\"P8\" selected>"));

    let ua: BTreeSet<String> = records
        .iter()
        .filter(|r| {
            r.facets()
                .iter()
                .any(|(f, v)| f.as_str() == "country" && v == "UA")
        })
        .map(|r| r.incident.id.clone())
        .collect();
    let body = h.html("/incidents?country=UA&limit=500").await;
    let listed: BTreeSet<String> = listed_ids(&body).into_iter().collect();
    assert_eq!(listed, ua);
    assert!(!ua.is_empty() && ua.len() < records.len());

    // Pages of five, followed through "Next page", visit every incident once, newest first.
    let mut seen = Vec::new();
    let mut uri = "/incidents?limit=5".to_owned();
    loop {
        let body = h.html(&uri).await;
        let ids = listed_ids(&body);
        assert!(ids.len() <= 5);
        seen.extend(ids);
        match link_to(&body, "Next page") {
            Some(next) => {
                assert!(next.contains("limit=5"), "{next}");
                uri = next;
            }
            None => break,
        }
    }
    assert_eq!(seen, all);
}

#[tokio::test]
async fn target_classes_and_armed_conflict_filter_show_and_chart() {
    let h = hub().await;
    let records = h.records().await;
    // The filters narrow the list to exactly the records that say so.
    for (query, holds) in [
        (
            "target_class=dual-use",
            &(|r: &IncidentRecord| {
                r.incident.victims.iter().any(|v| {
                    v.target_class
                        .as_ref()
                        .is_some_and(|c| c.class.as_str() == "dual-use")
                })
            }) as &dyn Fn(&IncidentRecord) -> bool,
        ),
        ("armed_conflict=yes", &|r: &IncidentRecord| {
            r.incident
                .armed_conflict
                .as_ref()
                .is_some_and(|a| a.status.as_str() == "yes")
        }),
    ] {
        let want: BTreeSet<String> = records
            .iter()
            .filter(|r| holds(r))
            .map(|r| r.incident.id.clone())
            .collect();
        assert!(!want.is_empty(), "{query}");
        let body = h.html(&format!("/incidents?limit=500&{query}")).await;
        let got: BTreeSet<String> = listed_ids(&body).into_iter().collect();
        assert_eq!(got, want, "{query}");
        assert!(body.contains("<label for=\"f-target-class\">"));
    }
    let body = h.html("/incidents?limit=500&armed_conflict=yes").await;
    assert!(listed_ids(&body).contains(&"viasat-ka-sat-2022".to_owned()));
    assert!(listed_ids(&body).contains(&"kyivstar-2023".to_owned()));

    // The incident page shows each victim's class, the sides of a dispute, and the conflict.
    let stuxnet = h.html("/incidents/stuxnet-2010").await;
    assert!(stuxnet.contains("<strong class=\"class\">disputed</strong>"));
    assert!(stuxnet.contains("Another view: <strong>civilian</strong>"));
    assert!(stuxnet.contains("Another view: <strong>dual-use</strong>"));
    let viasat = h.html("/incidents/viasat-ka-sat-2022").await;
    assert!(viasat.contains("<h2 id=\"armed-conflict\">"));
    assert!(viasat.contains("<dd><strong>yes</strong>: Russia"));

    // The home page charts the record by class and by conflict, and splits the blocs.
    let home = h.html("/").await;
    assert!(home.contains("Incidents by target class"));
    assert!(home.contains("Incidents during an armed conflict"));
    let dual_use = records
        .iter()
        .filter(|r| {
            r.incident
                .victims
                .iter()
                .any(|v| v.class_name() == "dual-use")
        })
        .count();
    assert!(
        home.contains(&format!("dual-use: {dual_use} incidents")),
        "the dual-use bar's tooltip"
    );
    assert!(home.contains("<th scope=\"col\">By target class</th>"));

    // A party's page splits what it suffered by its own victims' classes.
    // Germany suffered KA-SAT's outage (Enercon's wind turbines, civilian) during the war.
    let de = h.html("/parties/DE").await;
    assert!(de.contains("target class: <a href=\"/incidents?target_class=civilian\">civilian</a>"));
    assert!(de.contains("during an armed conflict: yes"));
}

#[tokio::test]
async fn incident_page_shows_every_fact_with_its_verification() {
    let h = hub().await;
    let records = h.records().await;
    for r in &records {
        let i = &r.incident;
        let body = h.html(&format!("/incidents/{}", i.id)).await;
        assert!(body.contains(&format!("<h1>{}</h1>", esc(&i.title))));
        assert!(body.contains(&esc(&i.summary)));
        // Every sourced fact shows its level and links its source.
        let mut sources = Vec::new();
        for d in [&i.dates.start, &i.dates.discovered, &i.dates.disclosed]
            .into_iter()
            .flatten()
        {
            sources.push(&d.source);
            assert!(body.contains(&format!("<td>{}</td>", d.date)));
        }
        sources.extend(i.victims.iter().map(|v| &v.source));
        sources.extend(i.impacts.iter().map(|v| &v.source));
        sources.extend(i.initiators.iter().map(|v| &v.source));
        sources.extend(i.attributions.iter().map(|v| &v.source));
        sources.extend(i.denials.iter().map(|v| &v.source));
        sources.extend(i.steps.iter().map(|v| &v.source));
        sources.extend(i.sources.iter());
        for c in i.victims.iter().filter_map(|v| v.target_class.as_ref()) {
            sources.push(&c.source);
            sources.extend(c.views.iter().map(|v| &v.source));
        }
        if let Some(a) = &i.armed_conflict {
            sources.push(&a.source);
            sources.extend(a.views.iter().map(|v| &v.source));
        }
        let badges = body.matches("<span class=\"badge ").count();
        // Three badges explain the levels in the footer.
        assert_eq!(badges - 3, sources.len(), "{}: one badge per fact", i.id);
        for s in &sources {
            let level = s.verification.as_str();
            assert!(body.contains(&format!("<span class=\"badge {level}\">{level}</span>")));
            if let Some(url) = &s.url {
                assert!(body.contains(&format!("href=\"{}\"", esc(url))), "{url}");
            }
        }
        for a in &i.attributions {
            assert!(body.contains(&format!("<th scope=\"row\">{}</th>", esc(&a.by))));
            assert!(body.contains(&format!("<td>{}</td>", a.basis)));
            assert!(body.contains(&format!("<td>{}</td>", a.confidence)));
        }
        let contested = (0..i.attributions.len())
            .filter(|n| !i.attribution_contests(*n).is_empty())
            .count();
        assert_eq!(
            body.matches("<span class=\"flag contested\">").count(),
            contested
        );
        // Steps link their ATT&CK techniques.
        for t in i.steps.iter().flat_map(|s| &s.techniques) {
            if is_attack_technique_id(t) {
                let href = format!(
                    "https://attack.mitre.org/techniques/{}/",
                    t.replace('.', "/")
                );
                assert!(body.contains(&format!("<a href=\"{href}\"")), "{t}");
            }
        }
        // Suggested principles with reasons and rules, apart from asserted ones.
        let (suggested_at, asserted_at) = (
            body.find("Suggested by the mapping rules").unwrap(),
            body.find("Asserted by reporters").unwrap(),
        );
        assert!(suggested_at < asserted_at);
        for s in &r.suggested_principles {
            let at = body.find(&esc(&s.reason)).expect("reason shown");
            assert!(at > suggested_at && at < asserted_at, "{}", s.reason);
            assert!(body.contains(&format!("<code>{}</code>", esc(&s.rule))));
        }
        for a in &i.asserted_principles {
            let at = body.find(&esc(&a.reason)).expect("asserted reason shown");
            assert!(at > asserted_at);
            assert!(body.contains(&format!("<td>{}</td>", esc(&a.by))));
        }
    }
    // Three levels have three distinct styles.
    let body = h.html("/").await;
    for level in ["verified", "secondary", "unverified"] {
        assert!(body.contains(&format!(".badge.{level} {{")));
    }
}

#[tokio::test]
async fn unknown_things_are_html_404_pages() {
    let h = hub().await;
    for uri in [
        "/parties/ZZ-nobody",
        "/incidents/no-such-incident",
        "/no/such/page",
    ] {
        let p = h.get(uri).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(p.content_type, "text/html; charset=utf-8", "{uri}");
        assert!(p.body.contains("<h1>404 Not Found</h1>"), "{uri}");
        assert!(p.body.contains("not found"), "{uri}");
    }
    // Machine-facing paths keep problem details.
    let p = h.get("/api/v1/no-such-endpoint").await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.content_type, "application/problem+json");
}

#[tokio::test]
async fn bad_filter_values_are_html_400_pages_naming_the_parameter() {
    let h = hub().await;
    for (uri, param) in [
        ("/incidents?year=20x7", "year"),
        ("/incidents?principle=P42", "principle"),
        ("/incidents?country=XX", "country"),
        ("/incidents?sector=space", "sector"),
        ("/incidents?limit=0", "limit"),
        ("/incidents?cursor=!!", "cursor"),
        ("/parties?kind=planet", "kind"),
        ("/parties?status=friend", "status"),
        ("/parties?country=ZZ", "country"),
        ("/parties?cursor=bm9ib2R5", "cursor"),
        ("/parties?limit=0", "limit"),
    ] {
        let p = h.get(uri).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(p.content_type, "text/html; charset=utf-8", "{uri}");
        assert!(p.body.contains("<h1>400 Bad Request</h1>"), "{uri}");
        assert!(
            p.body
                .contains(&format!("<th scope=\"row\"><code>{param}</code></th>")),
            "{uri}: {}",
            p.body
        );
    }
}

#[tokio::test]
async fn posted_record_text_is_escaped_everywhere() {
    let h = hub().await;
    let evil = "<script>alert(\"x\")</script> & 'quoted' <b>bold</b>";
    let incident = serde_json::json!({
        "id": "escaping-test-2026",
        "title": evil,
        "summary": format!("Summary {evil}"),
        "dates": {"start": {"date": "2026-01", "note": evil,
            "source": {"url": "https://example.org/a?b=<i>\"&c", "title": evil,
                       "as_of": "2026-11", "verification": "secondary"}}},
        "victims": [{"name": evil, "country": "FR", "sector": "energy",
            "target_class": {"class": "civilian", "note": evil,
                "source": {"as_of": "2026-11", "verification": "unverified"}},
            "source": {"as_of": "2026-11", "verification": "unverified", "note": evil}}],
        "armed_conflict": {"status": "no", "note": evil,
            "source": {"as_of": "2026-11", "verification": "unverified"}},
        "initiators": [{"name": evil, "kind": "state-sponsored", "state_nexus": "KP",
            "source": {"as_of": "2026-11", "verification": "unverified"}}],
        "asserted_principles": [{"principle": "P1", "reason": evil, "by": evil,
            "concerns": {"role": "other", "who": evil}}]
    });
    // Recorded through the one write path, as the operator would from the command line.
    let incident = serde_json::from_value(incident).unwrap();
    accord_store::write::record_incident_as_operator(
        h.store.as_ref(),
        &h.state.sequencer,
        incident,
    )
    .await
    .unwrap();
    for uri in [
        "/incidents/escaping-test-2026",
        "/incidents",
        "/",
        "/parties/FR",
        "/parties/KP",
    ] {
        let body = h.html(uri).await;
        assert!(body.contains(&esc(evil)), "{uri}: text not shown escaped");
        assert!(!body.contains("<script>"), "{uri}: raw script");
        assert!(!body.contains("<b>bold"), "{uri}: raw markup");
    }
    let body = h.html("/incidents/escaping-test-2026").await;
    assert!(body.contains("href=\"https://example.org/a?b=&#60;i&#62;&#34;&#38;c\""));
    assert!(body.contains(&format!("<td class=\"concerns\">other: {}</td>", esc(evil))));
    assert!(!body.contains("'quoted'"));
}

/// A party page counts only the party's own conduct: Sony Pictures' reported counter-attack is
/// its own (other conduct, responder), not North Korea's; links show their tier and standing.
#[tokio::test]
async fn party_pages_list_only_the_partys_own_conduct() {
    let h = hub().await;
    let kp = h.html("/parties/KP").await;
    let row = kp
        .split("<tr>")
        .find(|r| r.contains("href=\"/incidents/sony-pictures-2014\""))
        .expect("Sony Pictures on North Korea's page");
    assert!(!row.contains("P8"), "{row}");
    assert!(
        row.contains("<span class=\"flag attributed\">attributed</span>"),
        "{row}"
    );
    let sony = h.html("/parties/sony-pictures-entertainment").await;
    let other =
        &sony[sony.find("id=\"other-conduct\"").unwrap()..sony.find("id=\"victim\"").unwrap()];
    assert!(
        other.contains("href=\"/incidents/sony-pictures-2014\""),
        "{other}"
    );
    assert!(other.contains("<td>responder</td>"), "{other}");
    let us = h.html("/parties/US").await;
    let row = us
        .split("<tr>")
        .find(|r| r.contains("href=\"/incidents/stuxnet-2010\""))
        .expect("Stuxnet on the United States' page");
    assert!(
        row.contains("<span class=\"flag alleged\">alleged</span>"),
        "{row}"
    );
    // Press reporting read in a secondary copy: tier 4.
    assert!(row.contains("tier 4 allegation"), "{row}");
    // The incident page says whose conduct each finding concerns.
    let page = h.html("/incidents/sony-pictures-2014").await;
    assert!(page.contains(
        "<td class=\"concerns\">responder: Sony Pictures Entertainment (reported counter-attack) (sony-pictures-entertainment)</td>"
    ));
}

/// A figure the source gives as approximate or as a bound reads so on the incident page and in
/// the API ("about 47,000 Social Security numbers", "at least 17 countries"); an exact one
/// reads bare.
#[tokio::test]
async fn approximate_figures_read_as_the_source_gives_them() {
    let h = hub().await;
    let page = h.html("/incidents/sony-pictures-2014").await;
    assert!(
        page.contains("<td class=\"num\">about 47,000 Social Security numbers</td>"),
        "{page}"
    );
    let page = h.html("/incidents/kaseya-vsa-2021").await;
    assert!(page.contains("<td class=\"num\">at least 17 countries</td>"));
    assert!(page.contains("<td class=\"num\">70,000,000 USD</td>"));
    let page = h.html("/incidents/equifax-2017").await;
    assert!(page.contains("<td class=\"num\">at most 700,000,000 USD</td>"));
    let mut marked = 0;
    for r in h.records().await {
        let page = h.html(&format!("/incidents/{}", r.incident.id)).await;
        for im in &r.incident.impacts {
            let (Some(q), Some(a)) = (im.quantity, im.approximate) else {
                continue;
            };
            marked += 1;
            let grouped = group_thousands(q as i64);
            let unit = im.unit.as_deref().unwrap_or_default();
            let cell = format!(
                "<td class=\"num\">{} {grouped} {}</td>",
                a.words(),
                esc(unit)
            );
            assert!(page.contains(&cell), "{}: no {cell}", r.incident.id);
        }
    }
    assert!(marked >= 40, "{marked}");
    let api = h.get("/api/v1/incidents/sony-pictures-2014").await;
    assert_eq!(api.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["incident"]["impacts"][4]["approximate"], "about");
    assert_eq!(v["incident"]["impacts"][4]["quantity"], 47000.0);
    assert!(v["incident"]["impacts"][0].get("approximate").is_none());
}
