//! The float pipeline end to end on small problems: the loss falls, settings are checked,
//! zero-variance columns are handled, multiclass works.

use bottleneck_trainer::TrainError;
use bottleneck_trainer::data::{ClassificationRecipe, train_test_split};
use bottleneck_trainer::pipeline::{DataSource, Pipeline, RunConfig};
use bottleneck_trainer::scaler::MinMaxScaler;
use ndarray::array;

fn small(classes: usize) -> RunConfig {
    RunConfig {
        data: DataSource::Builtin(ClassificationRecipe {
            n_samples: 200,
            n_features: 12,
            n_informative: 4,
            n_redundant: 6,
            n_classes: classes,
            ..ClassificationRecipe::default()
        }),
        epochs: 6,
        ..RunConfig::default()
    }
}

#[test]
fn a_short_training_run_lowers_the_loss() {
    let p = Pipeline::run(small(2), |_| {}).expect("trains");
    let h = &p.history;
    assert_eq!(h.train_loss.len(), 6);
    assert!(h.train_loss[5] < h.train_loss[0], "{:?}", h.train_loss);
    assert!(h.valid_loss[5] < h.valid_loss[0], "{:?}", h.valid_loss);
    assert_eq!(p.training.autoencoder.bottleneck, 6);
    assert_eq!(p.training.autoencoder.hidden, [24, 12]);
    let acc = p.report.accuracy.as_ref().expect("a classifier");
    assert!(
        acc.raw_features > 0.6 && acc.bottleneck_features > 0.5,
        "{acc:?}"
    );
}

#[test]
fn multiclass_pipeline_runs() {
    let p = Pipeline::run(small(3), |_| {}).expect("trains");
    assert_eq!(
        p.raw_classifier.as_ref().expect("fitted").weights.nrows(),
        3
    );
    assert_eq!(
        p.bottleneck_classifier.as_ref().expect("fitted").n_classes,
        3
    );
    assert!(
        p.report
            .accuracy
            .as_ref()
            .expect("a classifier")
            .raw_features
            > 0.4,
        "{:?}",
        p.report.accuracy
    );
    assert_eq!(p.report.data.class_balance.len(), 3);
}

#[test]
fn bottleneck_width_is_checked() {
    for (width, bad) in [(0, true), (13, true), (12, false)] {
        let config = RunConfig {
            bottleneck: Some(width),
            epochs: 1,
            ..small(2)
        };
        let result = Pipeline::run(config, |_| {});
        if bad {
            let e = result.expect_err("bad width");
            assert!(
                matches!(
                    e,
                    TrainError::InvalidSetting {
                        flag: "bottleneck",
                        ..
                    }
                ),
                "{e}"
            );
            assert!(e.to_string().contains("input width 12"), "{e}");
        } else {
            result.expect("width equal to the input is allowed");
        }
    }
}

#[test]
fn split_needs_enough_rows() {
    let data = ClassificationRecipe {
        n_samples: 4,
        n_features: 3,
        n_informative: 2,
        n_redundant: 0,
        n_clusters_per_class: 1,
        ..ClassificationRecipe::default()
    }
    .generate()
    .expect("valid");
    let e = train_test_split(data.clone(), 0.9, 1).expect_err("too few rows");
    assert!(e.to_string().contains("4 rows"), "{e}");
    let e = train_test_split(data, 1.5, 1).expect_err("bad fraction");
    assert!(matches!(
        e,
        TrainError::InvalidSetting {
            flag: "test-fraction",
            ..
        }
    ));
}

#[test]
fn constant_columns_scale_to_zero_not_nan() {
    let x = array![[1.0f32, 5.0], [3.0, 5.0], [2.0, 5.0]];
    let scaler = MinMaxScaler::fit(&x);
    let y = scaler.transform(&x);
    assert_eq!(y, array![[0.0f32, 0.0], [1.0, 0.0], [0.5, 0.0]]);
}

#[test]
fn single_class_and_constant_column_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one_class = dir.path().join("one.csv");
    std::fs::write(&one_class, "a,b,label\n1,2,x\n3,4,x\n5,6,x\n").expect("write");
    let config = RunConfig {
        data: DataSource::Csv {
            path: one_class.clone(),
            label_column: Some("label".into()),
            test_path: None,
        },
        epochs: 1,
        ..RunConfig::default()
    };
    let e = Pipeline::run(config, |_| {}).expect_err("one class");
    assert!(matches!(e, TrainError::SingleClass { .. }));
    assert!(
        e.to_string().contains(&one_class.display().to_string()),
        "{e}"
    );

    // A constant column trains without NaN.
    let constant = dir.path().join("const.csv");
    let mut text = String::from("a,k,b,label\n");
    for i in 0..40 {
        text += &format!(
            "{},7,{},{}\n",
            i % 7,
            (i * 3) % 5,
            if i % 2 == 0 { "p" } else { "q" }
        );
    }
    std::fs::write(&constant, text).expect("write");
    let config = RunConfig {
        data: DataSource::Csv {
            path: constant,
            label_column: Some("label".into()),
            test_path: None,
        },
        epochs: 3,
        ..RunConfig::default()
    };
    let p = Pipeline::run(config, |_| {}).expect("trains");
    assert!(p.history.train_loss.iter().all(|l| l.is_finite()));
}
