"""Speed and memory of the persisted BM25 index on SaudiNewsNet, beside rank-bm25 and bm25s.

    python benchmarks/search_speed.py [--data ../shared/data/saudinewsnet]
    python benchmarks/search_speed.py --reload     # live reload of one article file
    python benchmarks/search_speed.py --warm-start [--corpus DIR]  # `ask` in a fresh process

In one run: writes the day archives (each zip holds one JSON array of articles) as a
temporary corpus folder, builds the persisted index cold (`open_index`), then in a fresh
process loads it warm and answers realistic questions (article titles turned into questions,
some words dropped), measuring latency and memory; then times rank_bm25.BM25Okapi.get_scores
and bm25s on the same tokens and questions; then serves a 4× replicated corpus the same way.
Prints a Markdown table (docs/performance.md holds one). Nothing is written into the repo.

`--warm-start` measures what a script calling `python -m retrieval ask` per question pays:
the whole process (interpreter start, imports, scan and diff of the corpus, loading the
memory-mapped index, one question), median of 5 runs on the unchanged corpus imported with
`python -m retrieval import` (or `--corpus DIR`), with the scan + diff timed on its own. The
full run reports the same figure.

`--reload` instead measures what a running bot does when one article file is dropped into,
changed in, or removed from that corpus: how long `LiveRetriever.reload` takes until the new
index answers (and the save after it), and the latency of questions asked meanwhile from
another thread, against the same questions without a reload.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from retrieval import analyzer, bm25, index, store  # noqa: E402
from retrieval.index import CorpusIndex  # noqa: E402
from retrieval.live import LiveRetriever  # noqa: E402
from retrieval.search import Retriever  # noqa: E402
from retrieval.store import data as store_data  # noqa: E402
from retrieval.store import format as store_format  # noqa: E402

QUESTION_WORDS = ("ما", "متى", "كيف", "من", "أين", "هل", "لماذا", "كم")
TOP_K = 10


@dataclass(frozen=True)
class Latency:
    """Percentiles of a list of timings, in milliseconds."""

    p50: float
    p95: float
    p99: float
    n: int

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        ms = np.asarray(seconds) * 1000
        return cls(*(float(np.percentile(ms, q)) for q in (50, 95, 99)), n=len(ms))


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process, in MB.

    Read from VmHWM: ru_maxrss of a child started by fork + exec counts its parent's memory
    at the fork, which would overstate a small serving process started by a big builder.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    """Return the current resident set size of this process, in MB."""
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def write_corpus(data: Path, corpus: Path) -> None:
    """Write every day archive of `data` as one JSON file of `corpus`."""
    for archive_path in sorted(data.glob("*.zip")):
        with zipfile.ZipFile(archive_path) as archive:
            for name in archive.namelist():
                (corpus / Path(name).name).write_bytes(archive.read(name))


def make_questions(corpus_index: CorpusIndex, count: int, seed: int = 7) -> list[str]:
    """Return `count` questions made from article titles: a question word, the title with
    about a quarter of its words dropped, and a question mark. Only questions with at least
    one term that occurs in some sentence are kept (bm25s cannot score an empty query)."""
    rng = random.Random(seed)
    titles = [a.title for a in corpus_index.articles if len(a.title.split()) >= 4]
    postings = np.diff(corpus_index.sentences.weights.indptr)
    questions: list[str] = []
    for title in rng.sample(titles, len(titles)):
        words = title.split()
        kept = [w for w in words if rng.random() > 0.25] or words[:2]
        question = f"{rng.choice(QUESTION_WORDS)} {' '.join(kept)}؟"
        if any(postings[t] for t in corpus_index.term_ids(analyzer.terms(question))):
            questions.append(question)
        if len(questions) == count:
            break
    return questions


def top_k(scores: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Return the positions of the k best scores, best first."""
    if len(scores) <= k:
        return np.argsort(-scores)
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.argsort(-scores[best])]


def time_questions(corpus_index: CorpusIndex, questions: list[str]) -> dict[str, Any]:
    """Return latency of answering `questions`: analyze + score + top-10, and the full
    Retriever.search (ranking with paragraph/article evidence, dedup, hits, context)."""
    retriever = Retriever(corpus_index)
    for question in questions[:20]:  # warm caches (stemmer cache, page faults)
        retriever.search(question)
    core, full = [], []
    for question in questions:
        started = time.perf_counter()
        docs, scores = corpus_index.sentences.scores(
            corpus_index.term_ids(analyzer.terms(question))
        )
        docs[top_k(scores)]
        core.append(time.perf_counter() - started)
    for question in questions:
        started = time.perf_counter()
        retriever.search(question, top_k=3)
        full.append(time.perf_counter() - started)
    return {"core": Latency.of(core).__dict__, "search": Latency.of(full).__dict__}


def serve_child(args: argparse.Namespace) -> None:
    """In a fresh process: load the persisted index, answer the questions, report as JSON."""
    questions = Path(args.questions_file).read_text(encoding="utf-8").splitlines()
    started = time.perf_counter()
    if args.corpus:
        opened = store.open_index(Path(args.corpus), Path(args.serve))
        corpus_index, outcome = opened.index, opened.outcome
    else:
        stored = store_format.read_manifest(Path(args.serve), bm25.BM25Params())
        assert stored.manifest is not None, stored.problem
        corpus_index, outcome = store_data.load_data(Path(args.serve), stored.manifest), "loaded"
    load_seconds = time.perf_counter() - started
    rss_loaded = current_rss_mb()
    result = time_questions(corpus_index, questions)
    result.update(
        outcome=outcome,
        load_seconds=load_seconds,
        rss_loaded_mb=rss_loaded,
        rss_after_mb=current_rss_mb(),
        peak_rss_mb=peak_rss_mb(),
        articles=len(corpus_index.articles),
        sentences=corpus_index.n_sentences,
    )
    print(json.dumps(result))


def serve_in_fresh_process(index_dir: Path, questions: Path, corpus: Path | None) -> dict:
    """Run serve_child in a new interpreter and return its figures."""
    command = [sys.executable, __file__, "--serve", str(index_dir)]
    command += ["--questions-file", str(questions)]
    if corpus is not None:
        command += ["--corpus", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"serving child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def sentence_tokens(corpus_index: CorpusIndex) -> list[list[str]]:
    """Return each sentence's index terms (the very tokens our index scored)."""
    terms = np.asarray(list(corpus_index.vocabulary), dtype=object)
    ptr = corpus_index.sent_token_ptr
    all_terms = terms[corpus_index.token_terms].tolist()
    return [all_terms[ptr[i] : ptr[i + 1]] for i in range(corpus_index.n_sentences)]


def time_rank_bm25(
    corpus_index: CorpusIndex, tokens: list[list[str]], questions: list[str]
) -> dict[str, Any]:
    """Return rank-bm25's build time, get_scores + top-10 latency, and the largest relative
    difference between its scores and ours (they must be equal)."""
    from rank_bm25 import BM25Okapi

    params = corpus_index.params
    started = time.perf_counter()
    model = BM25Okapi(tokens, k1=params.k1, b=params.b, epsilon=params.epsilon)
    build_seconds = time.perf_counter() - started
    timings, worst = [], 0.0
    for question in questions:
        query = analyzer.terms(question)
        started = time.perf_counter()
        expected = model.get_scores(query)
        top_k(expected)
        timings.append(time.perf_counter() - started)
        ours = corpus_index.sentences.dense_scores(corpus_index.term_ids(query))
        scale = np.maximum(np.abs(expected), 1e-12)
        worst = max(worst, float(np.max(np.abs(ours - expected) / scale)))
    del model
    return {"build_seconds": build_seconds, "latency": Latency.of(timings).__dict__, "worst": worst}


def time_bm25s(tokens: list[list[str]], questions: list[str]) -> dict[str, Any]:
    """Return bm25s (method "robertson", BM25Okapi's idf without rank-bm25's epsilon floor)
    build time and get_scores + top-10 latency."""
    import bm25s

    started = time.perf_counter()
    model = bm25s.BM25(k1=1.5, b=0.75, method="robertson")
    model.index(tokens, show_progress=False)
    build_seconds = time.perf_counter() - started
    queries = [analyzer.terms(q) for q in questions]
    for query in queries[:20]:
        model.get_scores(query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        top_k(model.get_scores(query))
        timings.append(time.perf_counter() - started)
    return {"build_seconds": build_seconds, "latency": Latency.of(timings).__dict__}


def replicate(corpus_index: CorpusIndex, times: int) -> CorpusIndex:
    """Return the index of the corpus repeated `times` times (the scaling row)."""
    analysis = corpus_index.analysis()
    return index.compile_index(index.concat([analysis] * times), corpus_index.params)


def run(args: argparse.Namespace) -> None:
    data = Path(args.data)
    if not any(data.glob("*.zip")):
        raise SystemExit(f"error: no SaudiNewsNet archives (*.zip) in {data}")
    figures: dict[str, Any] = {"load_average_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="search-speed-") as tmp:
        work = Path(tmp)
        corpus, index_dir = work / "corpus", work / "index"
        corpus.mkdir()
        write_corpus(data, corpus)

        started = time.perf_counter()
        workers = len(os.sched_getaffinity(0))
        opened = store.open_index(corpus, index_dir, workers=workers, progress=sys.stderr.isatty())
        figures["cold_seconds"] = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        figures["cold_cpu_seconds"] = time.process_time() + children.ru_utime + children.ru_stime
        assert opened.outcome == "rebuilt", opened.outcome
        corpus_index = opened.index
        records = opened.files
        started = time.perf_counter()
        store_data.save(work / "index-copy", corpus_index, records)
        figures["save_seconds"] = time.perf_counter() - started
        figures["build_peak_rss_mb"] = peak_rss_mb()
        figures["worker_peak_rss_mb"] = children.ru_maxrss / 1024
        figures["skipped_records"] = len(opened.skipped)
        figures["index_mb"] = (
            sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 2**20
        )

        questions = make_questions(corpus_index, args.questions)
        questions_file = work / "questions.txt"
        questions_file.write_text("\n".join(questions), encoding="utf-8")
        figures["serve"] = serve_in_fresh_process(index_dir, questions_file, corpus)
        figures["warm"] = time_warm_start(corpus, index_dir, questions[0])

        tokens = sentence_tokens(corpus_index)
        sample = questions[: args.baseline_sample]
        figures["rank_bm25"] = time_rank_bm25(corpus_index, tokens, sample)
        figures["bm25s"] = time_bm25s(tokens, questions)
        ours_sample = time_questions(corpus_index, sample)
        figures["ours_on_sample"] = ours_sample
        del tokens

        started = time.perf_counter()
        scaled = replicate(corpus_index, args.scale)
        figures["scaled_compile_seconds"] = time.perf_counter() - started
        scaled_dir = work / "index-scaled"
        copies = [
            replace(record, path=f"copy-{n}/{record.path}")
            for n in range(args.scale)
            for record in records
        ]
        store_data.save(scaled_dir, scaled, tuple(copies))
        del scaled, corpus_index, opened
        figures["scaled"] = serve_in_fresh_process(scaled_dir, questions_file, None)
    figures["load_average_end"] = os.getloadavg()
    print(report(figures, args))


def report(f: dict[str, Any], args: argparse.Namespace) -> str:
    """Return the figures as the Markdown table of docs/performance.md."""
    serve, scaled = f["serve"], f["scaled"]
    core, search = serve["core"], serve["search"]
    rank, bm25s_ = f["rank_bm25"], f["bm25s"]
    sample_core = f["ours_on_sample"]["core"]
    rank_ratio = rank["latency"]["p50"] / sample_core["p50"]
    bm25s_ratio = bm25s_["latency"]["p50"] / core["p50"]
    lines = [
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average at start {f['load_average_start'][0]:.2f}, "
        f"at end {f['load_average_end'][0]:.2f}",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| articles / sentences | {serve['articles']:,} / {serve['sentences']:,} "
        f"({f['skipped_records']} empty records skipped) | 31k / ≈309k |",
        f"| cold build: read, analyze (2 processes), compile, save | "
        f"{f['cold_seconds']:.1f} s ({f['cold_cpu_seconds']:.0f} CPU-seconds) | ≤ 30 s |",
        f"| of which save (atomic, fsync'd; {f['index_mb']:.0f} MB on disk) | "
        f"{f['save_seconds']:.1f} s | |",
        f"| peak RSS while building: main process / largest worker | "
        f"{f['build_peak_rss_mb']:.0f} / {f['worker_peak_rss_mb']:.0f} MB | |",
        f"| index load in a fresh process (open_index: {serve['outcome']}; sizes and JSON "
        f"checksums checked, arrays memory-mapped) | {serve['load_seconds']:.2f} s | |",
        f"| warm start: `python -m retrieval ask` for one question, whole process, median of "
        f"{f['warm']['runs']} (min / max) | {f['warm']['median']:.2f} s ({f['warm']['min']:.2f} / "
        f"{f['warm']['max']:.2f}) | ≤ 1.0 s |",
        f"| the same, CPU time (user + system; the machine's load does not inflate it) | "
        f"{f['warm']['cpu_median']:.2f} s | |",
        f"| of which scan + diff of the corpus ({f['warm']['files']} files), median | "
        f"{f['warm']['scan_median'] * 1000:.0f} ms | ≤ 0.2 s |",
        f"| question: analyze + score + top-10, p50 / p95 / p99 ({core['n']} questions) | "
        f"{core['p50']:.2f} / {core['p95']:.2f} / {core['p99']:.2f} ms | p50 ≤ 2, p99 ≤ 10 ms |",
        f"| Retriever.search end to end (ranking, dedup, hits), p50 / p95 / p99 | "
        f"{search['p50']:.2f} / {search['p95']:.2f} / {search['p99']:.2f} ms | |",
        f"| RSS serving: after load / after questions / peak | "
        f"{serve['rss_loaded_mb']:.0f} / {serve['rss_after_mb']:.0f} / "
        f"{serve['peak_rss_mb']:.0f} MB | ≤ 800 MB |",
        f"| rank-bm25 BM25Okapi.get_scores + top-10, p50 / p99 ({rank['latency']['n']} "
        f"questions; build {rank['build_seconds']:.1f} s) | {rank['latency']['p50']:.1f} / "
        f"{rank['latency']['p99']:.1f} ms | |",
        f"| ours on the same {sample_core['n']} questions, p50 → speed-up | "
        f"{sample_core['p50']:.2f} ms → {rank_ratio:,.0f}× | ≥ 100× |",
        f"| largest relative score difference from rank-bm25 | {rank['worst']:.1e} | ≤ 1e-6 |",
        f"| bm25s get_scores + top-10, p50 / p99 ({bm25s_['latency']['n']} questions; "
        f"build {bm25s_['build_seconds']:.1f} s) → ours faster by | "
        f"{bm25s_['latency']['p50']:.2f} / {bm25s_['latency']['p99']:.2f} ms → "
        f"{bm25s_ratio:.1f}× | > 1× |",
        f"| {args.scale}× corpus ({scaled['sentences']:,} sentences): question p50 / p99 | "
        f"{scaled['core']['p50']:.2f} / {scaled['core']['p99']:.2f} ms | p50 ≤ 10 ms |",
        f"| {args.scale}× corpus: Retriever.search p50 / p99 | "
        f"{scaled['search']['p50']:.2f} / {scaled['search']['p99']:.2f} ms | |",
        f"| {args.scale}× corpus: load / RSS serving after questions / peak | "
        f"{scaled['load_seconds']:.1f} s / {scaled['rss_after_mb']:.0f} / "
        f"{scaled['peak_rss_mb']:.0f} MB | |",
    ]
    return "\n".join(lines)


NEW_ARTICLE = (
    "محليات\n\nافتتاح الفرع العشرين لمطاعم الفلافل الذهبية\n\n"
    "أعلنت شركة الفلافل الذهبية افتتاح فرعها العشرين في مدينة جدة يوم الخميس. "
    "وقال مدير الشركة إن الفرع الجديد يقدم وجبات الفلافل الطازجة طوال اليوم.\n"
)
CHANGED_ARTICLE = NEW_ARTICLE.replace("العشرين", "الحادي والعشرين").replace("جدة", "الطائف")


class QuestionLoad:
    """Asks `per_second` questions a second from a thread, as a busy bot's handlers would
    (docs/reliability.md's load test answers 100 a second), and records when each started
    and how long it took."""

    def __init__(self, live: LiveRetriever, questions: list[str], per_second: float) -> None:
        self.live, self.questions, self.interval = live, questions, 1 / per_second
        self.timings: list[tuple[float, float]] = []  # (start, seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        n = 0
        first = time.perf_counter()
        while not self._stop.is_set():
            question = self.questions[n % len(self.questions)]
            started = time.perf_counter()
            self.live.current.search(question, top_k=3)
            self.timings.append((started, time.perf_counter() - started))
            n += 1
            time.sleep(max(0.0, first + n * self.interval - time.perf_counter()))

    def __enter__(self) -> QuestionLoad:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def during(self, start: float, end: float) -> list[float]:
        """Return the latency of the questions started between `start` and `end`."""
        return [seconds for at, seconds in self.timings if start <= at <= end]


def time_reload(live: LiveRetriever, load: QuestionLoad, change: str) -> dict[str, Any]:
    """Reload after `change` was made; return the reload's times and the latency of the
    questions asked while it ran."""
    started = time.perf_counter()
    report = live.reload()
    ended = time.perf_counter()
    assert report.error is None and report.changed, report
    during = load.during(started, ended)
    return {
        "change": change,
        "served_seconds": report.seconds,
        "save_seconds": report.save_seconds,
        "questions": len(during),
        "latency": Latency.of(during).__dict__ if during else None,
        "max_ms": max(during) * 1000 if during else None,
        "articles": report.articles,
    }


def run_reload(args: argparse.Namespace) -> None:
    """Measure LiveRetriever reloads of one article file on the SaudiNewsNet corpus."""
    data = Path(args.data)
    if not any(data.glob("*.zip")):
        raise SystemExit(f"error: no SaudiNewsNet archives (*.zip) in {data}")
    load_average_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="reload-speed-") as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        write_corpus(data, corpus)
        store.open_index(corpus, index_dir, progress=sys.stderr.isatty())  # the saved index
        live = LiveRetriever(corpus, index_dir)
        live.load()
        questions = make_questions(live.current.index, 200)
        article = corpus / "zz-new-article.txt"
        rows = []
        with QuestionLoad(live, questions, args.reload_questions) as load:
            time.sleep(3)  # questions without a reload: the baseline
            baseline = Latency.of([s for _, s in load.timings])
            article.write_text(NEW_ARTICLE, encoding="utf-8")
            rows.append(time_reload(live, load, "one article file added"))
            found = live.current.search("كم فرعا افتتحت شركة الفلافل الذهبية؟", top_k=1)
            assert found and "الفلافل الذهبية" in found[0].text, found
            time.sleep(1)
            article.write_text(CHANGED_ARTICLE, encoding="utf-8")
            rows.append(time_reload(live, load, "that file modified"))
            found = live.current.search("أين افتتحت الفلافل الذهبية فرعها؟", top_k=1)
            assert found and "الطائف" in found[0].text, found
            time.sleep(1)
            article.unlink()
            rows.append(time_reload(live, load, "that file removed"))
            hits = live.current.search("أين افتتحت الفلافل الذهبية فرعها؟", top_k=5)
            assert all(hit.article.path != article.name for hit in hits), hits
            time.sleep(1)
            day = sorted(corpus.glob("*.json"))[0]
            day.write_bytes(day.read_bytes() + b"\n")  # same articles, new bytes: re-read
            rows.append(time_reload(live, load, f"a day file of {count_articles(day)} articles"))
        figures = {
            "load_average": (load_average_start, os.getloadavg()),
            "baseline": baseline.__dict__,
            "per_second": args.reload_questions,
            "sentences": live.current.index.n_sentences,
            "rows": rows,
        }
    print(reload_report(figures))


def count_articles(day: Path) -> int:
    """Return the number of records in a SaudiNewsNet day file (a JSON array)."""
    return len(json.loads(day.read_text(encoding="utf-8")))


def reload_report(f: dict[str, Any]) -> str:
    """Return the reload figures as a Markdown table."""
    start, end = f["load_average"]
    base = f["baseline"]
    lines = [
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average "
        f"at start {start[0]:.2f}, at end {end[0]:.2f}; corpus {f['sentences']:,} sentences",
        "",
        f"questions asked from another thread, {f['per_second']:g} a second; without a "
        f"reload: Retriever.search p50 / p99 {base['p50']:.2f} / {base['p99']:.2f} ms "
        f"({base['n']} questions)",
        "",
        "| change | answerable after | then saved in | questions during the reload "
        "| their p50 / p99 / max |",
        "|---|---|---|---|---|",
    ]
    for row in f["rows"]:
        latency = row["latency"]
        spread = (
            f"{latency['p50']:.1f} / {latency['p99']:.1f} / {row['max_ms']:.0f} ms"
            if latency
            else "—"
        )
        lines.append(
            f"| {row['change']} | {row['served_seconds']:.2f} s | {row['save_seconds']:.2f} s "
            f"| {row['questions']} | {spread} |"
        )
    return "\n".join(lines)


def time_warm_start(corpus: Path, index_dir: Path | None, question: str, runs: int = 5) -> dict:
    """Return the wall time of `python -m retrieval ask` for one question in a fresh
    interpreter on an unchanged, indexed corpus (median, min, max of `runs`), and the time of
    the scan + diff on its own (median of `runs`, in this process)."""
    command = [sys.executable, "-m", "retrieval", "ask", "--corpus", str(corpus), question]
    if index_dir is not None:
        command += ["--index-dir", str(index_dir)]
    subprocess.run(command, capture_output=True, check=True, cwd=REPO)  # ensure it is saved
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"ask failed:\n{done.stderr}")
    folder = index_dir if index_dir is not None else store.default_index_dir(corpus)
    records = {r.path: r for r in store_format.read_manifest(folder, bm25.BM25Params()).files}
    scans = []
    for _ in range(runs):
        started = time.perf_counter()
        changes = store.diff(corpus, store.scan_corpus(corpus, folder), records)
        scans.append(time.perf_counter() - started)
        assert not changes.any, changes
    return {
        "runs": runs,
        "median": float(np.median(walls)),
        "min": min(walls),
        "max": max(walls),
        "cpu_median": float(np.median(cpus)),
        "scan_median": float(np.median(scans)),
        "files": len(records),
    }


def run_warm_start(args: argparse.Namespace) -> None:
    """Measure the warm start of `python -m retrieval ask` (see the module docstring)."""
    load_average_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="warm-start-") as tmp:
        corpus = Path(args.corpus) if args.corpus else Path(tmp) / "corpus"
        if not args.corpus:
            archives = sorted(str(p) for p in Path(args.data).glob("*.zip"))
            retrieval_cli = [sys.executable, "-m", "retrieval"]
            subprocess.run(
                [*retrieval_cli, "import", *archives, "--into", str(corpus)],
                check=True,
                capture_output=True,
                cwd=REPO,
            )
        subprocess.run(
            [sys.executable, "-m", "retrieval", "index", "--corpus", str(corpus)],
            check=True,
            capture_output=True,
            cwd=REPO,
        )
        warm = time_warm_start(corpus, None, "ما عاصمة المملكة العربية السعودية؟")
    print(
        f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; load average at "
        f"start {load_average_start[0]:.2f}, at end {os.getloadavg()[0]:.2f}\n\n"
        f"| measure | value | target |\n|---|---|---|\n"
        f"| warm start: `python -m retrieval ask` for one question, whole process, median of "
        f"{warm['runs']} (min / max) | {warm['median']:.2f} s ({warm['min']:.2f} / "
        f"{warm['max']:.2f}) | ≤ 1.0 s |\n"
        f"| the same, CPU time (user + system; the machine's load does not inflate it) | "
        f"{warm['cpu_median']:.2f} s | |\n"
        f"| of which scan + diff of the corpus ({warm['files']} files), median | "
        f"{warm['scan_median'] * 1000:.0f} ms | ≤ 0.2 s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        default=str(REPO.parent / "shared" / "data" / "saudinewsnet"),
        help="folder of SaudiNewsNet day archives (default: ../shared/data/saudinewsnet)",
    )
    parser.add_argument("--questions", type=int, default=600, help="questions (default 600)")
    parser.add_argument(
        "--baseline-sample", type=int, default=50, help="questions timed on rank-bm25 (50)"
    )
    parser.add_argument("--scale", type=int, default=4, help="replication factor (default 4)")
    parser.add_argument(
        "--reload", action="store_true", help="measure live reloads of one article file instead"
    )
    parser.add_argument(
        "--reload-questions",
        type=float,
        default=100,
        help="questions a second asked during --reload (default 100)",
    )
    parser.add_argument(
        "--warm-start", action="store_true", help="measure `python -m retrieval ask` starts only"
    )
    parser.add_argument(
        "--corpus", help="with --warm-start: an existing corpus folder (default: import --data)"
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: serving child
    parser.add_argument("--questions-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_child(args)
    elif args.reload:
        run_reload(args)
    elif args.warm_start:
        run_warm_start(args)
    else:
        run(args)


if __name__ == "__main__":
    main()
