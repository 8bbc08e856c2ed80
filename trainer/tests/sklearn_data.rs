//! The built-in problem and the split against scikit-learn's own arrays, bit for bit
//! (fixtures from `scripts/sklearn_fixtures.py`, scikit-learn 1.9.1 / NumPy 2.4.6).

use bottleneck_trainer::data::{ClassificationRecipe, Dataset, train_test_split};
use serde_json::Value;

const FIXTURES: &str = include_str!("fixtures/sklearn_make_classification.json");

/// FNV-1a 64 over the little-endian bytes of each value, as the script computes it.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn i64_bytes(values: &[usize]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| (v as i64).to_le_bytes())
        .collect()
}

fn recipe(case: &Value) -> ClassificationRecipe {
    let r = &case["recipe"];
    let int = |k: &str| r[k].as_u64().expect(k) as usize;
    ClassificationRecipe {
        n_samples: int("n_samples"),
        n_features: int("n_features"),
        n_informative: int("n_informative"),
        n_redundant: int("n_redundant"),
        n_classes: int("n_classes"),
        n_clusters_per_class: int("n_clusters_per_class"),
        class_sep: r["class_sep"].as_f64().expect("class_sep"),
        flip_y: r["flip_y"].as_f64().expect("flip_y"),
        seed: r["random_state"].as_u64().expect("random_state"),
    }
}

fn parse_row(row: &Value) -> Vec<f64> {
    row.as_array()
        .expect("row")
        .iter()
        .map(|v| v.as_str().expect("repr").parse().expect("float"))
        .collect()
}

fn cases() -> Vec<Value> {
    let all: Value = serde_json::from_str(FIXTURES).expect("fixture JSON");
    all["cases"].as_array().expect("cases").clone()
}

#[test]
fn make_classification_is_scikit_learns_bit_for_bit() {
    for case in cases() {
        let recipe = recipe(&case);
        let (x, y) = recipe.arrays().expect("generates");
        let name = format!("{recipe:?}");
        for (i, expected) in case["first_rows"]
            .as_array()
            .expect("rows")
            .iter()
            .enumerate()
        {
            let expected = parse_row(expected);
            let got = x.row(i).to_vec();
            assert!(
                got.iter()
                    .zip(&expected)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{name}: row {i}\n ours    {got:?}\n sklearn {expected:?}"
            );
        }
        let last = parse_row(&case["last_row"]);
        assert_eq!(x.row(x.nrows() - 1).to_vec(), last, "{name}: last row");
        let labels: Vec<usize> = case["y"]
            .as_array()
            .expect("y")
            .iter()
            .map(|v| v.as_u64().expect("label") as usize)
            .collect();
        assert_eq!(y[..labels.len()], labels[..], "{name}: labels");
        let flat: Vec<f64> = x.iter().copied().collect();
        assert_eq!(fnv1a(f64_bytes(&flat)), case["x_fnv"], "{name}: X checksum");
        assert_eq!(fnv1a(i64_bytes(&y)), case["y_fnv"], "{name}: y checksum");
    }
}

#[test]
fn the_default_problem_and_split_are_the_tutorials() {
    let case = &cases()[0];
    assert_eq!(recipe(case), ClassificationRecipe::default());
    let data = ClassificationRecipe::default()
        .generate()
        .expect("generates");
    let (train, test) = train_test_split(data, 0.33, 1).expect("splits");
    assert_eq!((train.n_rows(), test.n_rows()), (670, 330));
    assert_eq!(fnv1a(i64_bytes(&train.targets)), case["y_train_fnv"]);
    assert_eq!(fnv1a(i64_bytes(&test.targets)), case["y_test_fnv"]);
}

#[test]
fn the_split_takes_scikit_learns_rows() {
    for case in cases() {
        let recipe = recipe(&case);
        let (x, y) = recipe.arrays().expect("generates");
        // The split moves rows; compare through f64 rows carried in a Dataset whose f32
        // features index them (every row's number, exactly representable).
        let data = Dataset {
            source: "fixture".into(),
            feature_names: vec!["row".into()],
            features: ndarray::Array2::from_shape_fn((x.nrows(), 1), |(i, _)| i as f32),
            targets: y.clone(),
            labels: (0..recipe.n_classes).map(|k| k.to_string()).collect(),
        };
        let (train, test) = train_test_split(data, 0.33, recipe.seed).expect("splits");
        assert_eq!(
            test.n_rows() as u64,
            case["split_test_rows"].as_u64().expect("rows")
        );
        for (part, x_key, y_key) in [
            (&train, "x_train_fnv", "y_train_fnv"),
            (&test, "x_test_fnv", "y_test_fnv"),
        ] {
            let rows: Vec<f64> = part
                .features
                .column(0)
                .iter()
                .flat_map(|&r| x.row(r as usize).to_vec())
                .collect();
            assert_eq!(fnv1a(f64_bytes(&rows)), case[x_key], "{recipe:?}: {x_key}");
            assert_eq!(
                fnv1a(i64_bytes(&part.targets)),
                case[y_key],
                "{recipe:?}: {y_key}"
            );
        }
    }
}
