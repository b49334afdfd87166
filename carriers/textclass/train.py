"""Trains the text fallback's model (`model.py`) on `labelled/tune.jsonl` and writes `model.json`.

    python -m carriers.textclass.train

The features are the character n-grams of `model.grams` that at least `MIN_DOCUMENTS` tuning descriptions have;
the classes, every label of the tuning part (`unclear` among them). Softmax regression, trained by stochastic
gradient descent with AdaGrad steps (`RATE`) and an L2 penalty (`PENALTY`) over `EPOCHS` passes, each in an order
fixed by a hash of the pass and the row: the same data builds the same file, byte for byte. Weights are written
in thousandths, one n-gram a line. The choices (n-grams up to 4 characters, the penalty, the passes, the
threshold of `model.py`) were made by cross-validation inside the tuning part only: the earlier tuning rows trained
a model that read the later batches where the phrases of that time abstained, and 5 folds of the whole part.
`test.jsonl` is never read here.
"""

import hashlib
import json
import math
from collections import Counter
from pathlib import Path

from carriers.textclass import fold
from carriers.textclass.model import MODEL, grams

TUNE = Path(__file__).parent / "labelled" / "tune.jsonl"

MIN_DOCUMENTS = 2
EPOCHS = 10
RATE = 0.5
PENALTY = 1e-3


def train(rows: list[dict]) -> dict:
    """The model's classes, biases and weights per n-gram (in thousandths), from labelled rows."""
    documents = [grams(fold(row["text"])) for row in rows]
    counts = Counter(gram for document in documents for gram in document)
    vocabulary = sorted(gram for gram, count in counts.items() if count >= MIN_DOCUMENTS)
    index = {gram: i for i, gram in enumerate(vocabulary)}
    classes = sorted({row["label"] for row in rows})
    target = [classes.index(row["label"]) for row in rows]
    features = [sorted(index[gram] for gram in document if gram in index) for document in documents]
    weights = [[0.0] * len(classes) for _ in vocabulary]
    squares = [[1e-8] * len(classes) for _ in vocabulary]
    bias = [0.0] * len(classes)
    bias_squares = [1e-8] * len(classes)
    order = list(range(len(rows)))
    for epoch in range(EPOCHS):
        order.sort(key=lambda i: hashlib.sha256(f"{epoch} {i}".encode()).digest())
        for i in order:
            ids = features[i]
            scale = 1.0 / math.sqrt(len(ids)) if ids else 0.0
            scores = bias[:]
            for f in ids:
                for k, weight in enumerate(weights[f]):
                    scores[k] += scale * weight
            top = max(scores)
            exps = [math.exp(score - top) for score in scores]
            total = sum(exps)
            error = [value / total for value in exps]
            error[target[i]] -= 1.0
            for k, e in enumerate(error):
                bias_squares[k] += e * e
                bias[k] -= RATE * e / math.sqrt(bias_squares[k])
            for f in ids:
                row, square = weights[f], squares[f]
                for k, e in enumerate(error):
                    gradient = e * scale + PENALTY * row[k]
                    square[k] += gradient * gradient
                    row[k] -= RATE * gradient / math.sqrt(square[k])
    return {
        "classes": classes,
        "bias": [round(b * 1000) for b in bias],
        "weights": {gram: [round(w * 1000) for w in weights[f]] for f, gram in enumerate(vocabulary)},
    }


_COMPACT = (",", ":")


def dumps(model: dict) -> str:
    """The model as JSON, one n-gram a line."""
    head = json.dumps({"classes": model["classes"], "bias": model["bias"]}, ensure_ascii=False)[:-1]
    lines = [
        f"{json.dumps(gram, ensure_ascii=False)}: {json.dumps(row, separators=_COMPACT)}"
        for gram, row in sorted(model["weights"].items())
    ]
    return head + ', "weights": {\n' + ",\n".join(lines) + "\n}}\n"


def tuning_rows() -> list[dict]:
    with TUNE.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def main() -> None:
    MODEL.write_text(dumps(train(tuning_rows())), encoding="utf-8")


if __name__ == "__main__":
    main()
