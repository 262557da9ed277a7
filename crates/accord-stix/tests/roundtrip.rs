//! Property test: printing any syntax tree and parsing the text gives the
//! same tree back (parse(print(ast)) == ast).

use accord_stix::pattern::{
    Comparison, ComparisonExpression, ComparisonOperator, Constant, ObjectPath,
    ObservationExpression, PathStep, Pattern, Qualifier,
};
use proptest::prelude::*;

fn timestamp() -> impl Strategy<Value = jiff::Timestamp> {
    // Years 0001..9999, as the grammar's four-digit year allows.
    (-62_135_596_800i64..253_402_300_799, 0i32..1_000_000_000)
        .prop_filter_map("in range", |(s, ns)| jiff::Timestamp::new(s, ns).ok())
}

fn string() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 '\\\\%_.\u{e9}-]{0,12}"
}

fn primitive() -> impl Strategy<Value = Constant> {
    prop_oneof![
        string().prop_map(Constant::String),
        any::<i64>().prop_map(Constant::Integer),
        (-1.0e12f64..1.0e12).prop_map(Constant::Float),
        any::<bool>().prop_map(Constant::Boolean),
        timestamp().prop_map(Constant::Timestamp),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Constant::Hex),
        prop::collection::vec(any::<u8>(), 0..8).prop_map(Constant::Binary),
    ]
}

fn object_path() -> impl Strategy<Value = ObjectPath> {
    let name = prop_oneof![
        "[a-z_][a-z0-9_]{0,8}",
        "[A-Za-z0-9 .'-]{1,8}", // needs quoting
    ];
    let step = prop_oneof![
        name.clone().prop_map(PathStep::Property),
        (0i64..100).prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (
        "[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,5})?",
        name,
        prop::collection::vec(step, 0..4),
    )
        .prop_map(|(object_type, first, rest)| {
            let mut steps = vec![PathStep::Property(first)];
            steps.extend(rest);
            ObjectPath { object_type, steps }
        })
}

fn comparison() -> impl Strategy<Value = ComparisonExpression> {
    use ComparisonOperator as Op;
    let equality = (object_path(), any::<bool>(), prop::bool::ANY, primitive()).prop_map(
        |(path, negated, eq, value)| Comparison {
            path,
            negated,
            operator: if eq { Op::Equal } else { Op::NotEqual },
            value,
        },
    );
    let order = (
        object_path(),
        any::<bool>(),
        prop::sample::select(vec![
            Op::GreaterThan,
            Op::LessThan,
            Op::GreaterThanOrEqual,
            Op::LessThanOrEqual,
        ]),
        primitive().prop_filter("orderable", |c| !matches!(c, Constant::Boolean(_))),
    )
        .prop_map(|(path, negated, operator, value)| Comparison {
            path,
            negated,
            operator,
            value,
        });
    let set = (
        object_path(),
        any::<bool>(),
        prop::collection::vec(primitive(), 0..4),
    )
        .prop_map(|(path, negated, items)| Comparison {
            path,
            negated,
            operator: Op::In,
            value: Constant::Set(items),
        });
    let like = (object_path(), any::<bool>(), string()).prop_map(|(path, negated, s)| Comparison {
        path,
        negated,
        operator: Op::Like,
        value: Constant::String(s),
    });
    let matches = (object_path(), "[a-z.^$]{0,6}").prop_map(|(path, s)| Comparison {
        path,
        negated: false,
        operator: Op::Matches,
        value: Constant::String(s),
    });
    let subset = (object_path(), 0u8..=32, any::<bool>()).prop_map(|(path, len, sup)| Comparison {
        path,
        negated: false,
        operator: if sup { Op::IsSuperset } else { Op::IsSubset },
        value: Constant::String(format!("10.0.0.0/{len}")),
    });
    prop_oneof![
        equality.prop_map(ComparisonExpression::Comparison),
        order.prop_map(ComparisonExpression::Comparison),
        set.prop_map(ComparisonExpression::Comparison),
        like.prop_map(ComparisonExpression::Comparison),
        matches.prop_map(ComparisonExpression::Comparison),
        subset.prop_map(ComparisonExpression::Comparison),
        object_path().prop_map(ComparisonExpression::Exists),
    ]
}

fn comparison_expression() -> impl Strategy<Value = ComparisonExpression> {
    comparison().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpression::And),
            prop::collection::vec(inner, 2..4).prop_map(ComparisonExpression::Or),
        ]
    })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        (1u32..100_000).prop_map(|n| Qualifier::Within {
            seconds: f64::from(n) / 8.0
        }),
        (1u64..1000).prop_map(|times| Qualifier::Repeats { times }),
        (timestamp(), timestamp()).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

fn observation() -> impl Strategy<Value = ObservationExpression> {
    comparison_expression()
        .prop_map(ObservationExpression::Simple)
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpression::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpression::Or),
                prop::collection::vec(inner.clone(), 2..4)
                    .prop_map(ObservationExpression::FollowedBy),
                (inner, qualifier())
                    .prop_map(|(o, q)| ObservationExpression::Qualified(Box::new(o), q)),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn print_then_parse_is_identity(observation in observation()) {
        let pattern = Pattern { observation };
        let printed = pattern.to_string();
        let reparsed = Pattern::parse(&printed).map_err(|e| e.to_string());
        prop_assert_eq!(reparsed, Ok(pattern), "printed: {}", printed);
    }
}

/// Fragments that make random input look like patterns, so the parser's
/// deeper paths are reached more often than with arbitrary bytes.
fn noisy_pattern() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "[",
        "]",
        "(",
        ")",
        "file:name",
        "ipv4-addr:value",
        ".'SHA-256'",
        "[*]",
        "[0]",
        " = ",
        " != ",
        " > ",
        " IN ",
        " LIKE ",
        " MATCHES ",
        " ISSUBSET ",
        " NOT ",
        " EXISTS ",
        " AND ",
        " OR ",
        " FOLLOWEDBY ",
        " WITHIN ",
        " SECONDS",
        " REPEATS ",
        " TIMES",
        " START ",
        " STOP ",
        "'a'",
        "'it\\'s'",
        "'\\x'",
        "'unterminated",
        "t'2020-01-01T00:00:00Z'",
        "t'bad'",
        "h'0f'",
        "h'0'",
        "b'AA=='",
        "b'@'",
        "1",
        "-2",
        "3.5",
        "99999999999999999999",
        "true",
        ",",
        "é",
        "\n",
        "/* c */",
        "#",
    ]);
    prop::collection::vec(fragment, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The parser never panics, and every diagnostic points inside the input
    /// at a character boundary, with 1-based positions.
    #[test]
    fn parser_is_total_and_diagnostics_point_into_the_input(
        source in prop_oneof![noisy_pattern(), any::<String>()]
    ) {
        if let Err(errors) = Pattern::parse(&source) {
            prop_assert!(!errors.errors.is_empty());
            for e in &errors.errors {
                let at = e.location();
                prop_assert!(at.line >= 1 && at.column >= 1);
                prop_assert!(at.span.start <= at.span.end && at.span.end <= source.len());
                prop_assert!(source.is_char_boundary(at.span.start));
                prop_assert!(source.is_char_boundary(at.span.end));
            }
        }
    }
}
