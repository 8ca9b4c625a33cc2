"""Reading /metrics as Prometheus would: the samples by name and labels."""
from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "s3cret-scrape-token"


def scrape(app, token: str | None = TOKEN) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = app.test_client().get("/metrics", headers=headers)
    if response.status_code != 200:
        return response.status_code, {}
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return 200, samples


def value(samples: dict, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]
