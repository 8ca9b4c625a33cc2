"""Calling the JSON API as an agency's own system would: a personal token, JSON in and out."""
from __future__ import annotations

from workflows.people.accounts import create_api_token


class ApiClient:
    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, url: str, body=None, status: int = 200, **kwargs):
        response = self.client.open(url, method=method, headers=self.headers, json=body, **kwargs)
        assert response.status_code == status, (method, url, response.status_code, response.get_data(as_text=True)[:800])
        return response

    def get(self, url: str, status: int = 200) -> dict:
        return self.call("GET", url, status=status).get_json()

    def post(self, url: str, body=None, status: int = 200) -> dict:
        return self.call("POST", url, body, status=status).get_json()

    def post_raw(self, url: str, data: str, status: int) -> dict:
        """POST a body as it is (e.g. broken JSON), labelled application/json."""
        return self.call("POST", url, data=data, content_type="application/json", status=status).get_json()

    def inbox(self) -> list[tuple[str, str]]:
        """(task name, case number) of every task in my inbox (first page)."""
        return [(t["name"], t["case_number"]) for t in self.get("/api/v1/tasks")["tasks"]]

    def task_in_inbox(self, name: str, case_number: str) -> int:
        for task in self.get("/api/v1/tasks")["tasks"]:
            if task["name"] == name and task["case_number"] == case_number:
                return task["id"]
        raise AssertionError(f"{name} ({case_number}) not in the inbox: {self.inbox()}")

    def complete(self, task_id: int, data, status: int = 200) -> dict:
        return self.post(f"/api/v1/tasks/{task_id}/complete", data, status=status)

    def claim(self, task_id: int, status: int = 200) -> dict:
        return self.post(f"/api/v1/tasks/{task_id}/claim", status=status)


def api_client(app, kf, clock, username: str) -> ApiClient:
    return ApiClient(app.test_client(), create_api_token(kf.db, clock, username))
