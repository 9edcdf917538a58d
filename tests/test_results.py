"""emolib.results: the rows the Keras lessons record for the benchmark's table."""
from emolib import results

ROW = dict(parameters=12345, train_seconds=61.26, epochs=3, val_accuracy=0.88123, test_accuracy=0.87654, mode="full")


def test_record_prints_and_keeps_nothing_without_a_results_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("EMOLIB_RESULTS", raising=False)
    monkeypatch.chdir(tmp_path)
    row = results.record("07_keras_cnn", "CNN", **ROW)
    assert "CNN: 12,345 parameters, 61.3 s of training, 3 epochs" in capsys.readouterr().out
    assert row["test_accuracy"] == 0.8765 and list(tmp_path.iterdir()) == []


def test_recorded_rows_come_back_in_order_as_one_table(tmp_path, monkeypatch):
    monkeypatch.setenv("EMOLIB_RESULTS", str(tmp_path / "results"))
    results.record("07_keras_cnn", "CNN", **ROW)
    results.record("08_keras_rnn", "GRU", **{**ROW, "parameters": 7})
    rows = results.read(tmp_path / "results")
    assert [row["model"] for row in rows] == ["CNN", "GRU"]
    lines = results.table(rows).splitlines()
    assert lines[0] == "| lesson | model | parameters | training (s) | epochs | val accuracy | test accuracy |"
    assert lines[2] == "| 07_keras_cnn | CNN | 12,345 | 61.3 | 3 | 0.8812 | 0.8765 |"
    assert len(lines) == 4


def test_reading_a_folder_with_no_results_gives_no_rows(tmp_path):
    assert results.read(tmp_path) == []


def test_emotion_rows_add_macro_f1_columns_and_leave_missing_scores_empty(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMOLIB_RESULTS", str(tmp_path))
    results.record("09_evaluation", "fastText", **ROW)
    results.record("10_emotions", "BiGRU, 28 labels", **{**ROW, "val_accuracy": None, "test_accuracy": None},
                   val_macro_f1=0.41234, test_macro_f1=0.40001)
    printed = capsys.readouterr().out
    assert "validation macro f1 0.4123, test macro f1 0.4000 (full mode)" in printed
    lines = results.table(results.read(tmp_path)).splitlines()
    assert lines[0].endswith("| val accuracy | test accuracy | val macro-F1 | test macro-F1 |")
    assert lines[2] == "| 09_evaluation | fastText | 12,345 | 61.3 | 3 | 0.8812 | 0.8765 |  |  |"
    assert lines[3] == "| 10_emotions | BiGRU, 28 labels | 12,345 | 61.3 | 3 |  |  | 0.4123 | 0.4000 |"
