"""The measurement scripts accept any file in the shared datasets' layouts and print one JSON
object (they are run on held-out files we never see)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_intents_bench_on_banking77_and_arbanking77_layouts(tmp_path):
    en = tmp_path / "train.csv"
    en.write_text("text,category\n" + "".join(
        f"where is my card {i},card_arrival\nI want to top up {i} pounds,top_up\n"
        for i in range(10)), "utf-8")
    result = run("intents.py", "--train", str(en), "--features", "tfidf")
    assert result["accuracy"] == 1.0 and result["macro_f1"] == 1.0 and result["n"] == 4
    ar_train = tmp_path / "train_ar.csv"
    ar_train.write_text('label,text\n' + "".join(
        f'"وصول البطاقة","وين بطاقتي {i}"\n"شحن الرصيد","ابي اشحن رصيد {i}"\n' for i in range(6)),
        "utf-8")
    ar_test = tmp_path / "val_ar.csv"
    ar_test.write_text('label,text\n"وصول البطاقة","متى توصل بطاقتي"\n"شحن الرصيد","كيف اشحن الرصيد"\n',
                       "utf-8")
    result = run("intents.py", "--train", str(ar_train), "--test", str(ar_test),
                 "--features", "tfidf", "--shots", "3")
    assert result["n"] == 2 and result["n_train"] == 6
    assert {"accuracy", "macro_f1", "top_confusions"} <= set(result)


def test_intents_bench_scores_the_demo_catalogue_on_bitext_layout(tmp_path):
    bitext = tmp_path / "bitext.csv"
    bitext.write_text("\ufeffflags,utterance,category,intent\n"
                      "B,I want to cancel my order,ORDER,cancel_order\n"
                      "B,where is my package,ORDER,track_order\n"
                      "B,what is the weather,OTHER,weather\n", "utf-8")
    mapping = tmp_path / "map.yaml"
    mapping.write_text("cancel_order: cancel_order\ntrack_order: track_order\n", "utf-8")
    result = run("intents.py", "--catalogue", "--test", str(bitext), "--map", str(mapping),
                 "--features", "tfidf")
    assert result["n"] == 2 and result["accuracy"] == 1.0


def test_frustration_bench_on_goemotions_and_csv_layouts(tmp_path):
    (tmp_path / "labels.txt").write_text("admiration\nanger\nannoyance\njoy\n", "utf-8")
    tsv = tmp_path / "dev.tsv"
    tsv.write_text("this is unacceptable, I am furious\t1\ta1\n"
                   "thank you so much\t0,3\ta2\n"
                   "ugh, still waiting for a reply\t2\ta3\n"
                   "lovely day\t3\ta4\n", "utf-8")
    result = run("frustration.py", "--data", str(tsv))
    assert result["n"] == 4 and result["positives"] == 2
    assert result["precision"] == result["recall"] == result["f1"] == 1.0
    csv_file = tmp_path / "ar.csv"
    csv_file.write_text("text,label\nزهقت منكم للحين ما وصل,1\nشكرا على المساعدة,0\n", "utf-8")
    assert run("frustration.py", "--data", str(csv_file))["f1"] == 1.0
