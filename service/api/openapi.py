"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json."""

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
_TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "task": {"type": "string"},
        "state": {"enum": ["open", "completed", "cancelled"]},
        "due_on": {"type": ["string", "null"], "format": "date"},
        "org_units": {"type": "array", "items": {"type": "string"},
                      "description": "the org units in whose group inboxes the task waits"},
        "inboxes": {"type": "array", "items": {"type": "string"}, "deprecated": True,
                    "description": "old name of org_units, kept until a v2"},
        "case_id": {"type": "integer"}, "case_number": {"type": "string"},
        "assignee": {"type": ["string", "null"]},
        "schema": {"type": ["object", "null"], "description": "JSON Schema of the task's form"},
    },
}


def _response(description: str, schema: dict | None = None) -> dict:
    body = {"description": description}
    if schema:
        body["content"] = {"application/json": {"schema": schema}}
    return body


def _errors(*codes: int) -> dict:
    words = {400: "Ungültige Anfrage", 401: "Kein oder ungültiges Token", 403: "Keine Berechtigung",
             404: "Nicht gefunden oder kein Zugriff", 409: "Jemand anderes war schneller / nicht möglich",
             422: "Formulardaten ungültig"}
    return {str(code): _response(words[code], _ERROR) for code in codes}


_TASK_ID = [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_CASE_ID = [{"name": "case_id", "in": "path", "required": True, "schema": {"type": "integer"}}]

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "KoopFlow API",
        "version": "1",
        "description": "Vorgänge und Aufgaben der Kooperationsvereinbarungen. Personal API tokens: "
                       "`koopflow token create USERNAME`, sent as `Authorization: Bearer …`. "
                       "The same access rules as the web pages apply.",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/openapi.json": {"get": {
            "summary": "This document", "security": [],
            "responses": {"200": _response("OpenAPI 3.1 description of API v1")}}},
        "/api/v1/processes": {"get": {
            "summary": "Processes the caller can start, per agreement",
            "responses": {"200": _response("Startable processes"), **_errors(401)}}},
        "/api/v1/cases": {"post": {
            "summary": "Start a case",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["process", "agreement"],
                "properties": {"process": {"type": "string", "examples": ["handover_school_end"]},
                               "agreement": {"type": "string", "description": "an agreement id (agreements/*.yaml, field id)"}}}}}},
            "responses": {"201": _response("Case started", {"type": "object", "properties": {
                "id": {"type": "integer"}, "case_number": {"type": "string"},
                "task_id": {"type": ["integer", "null"]}}}), **_errors(400, 401, 403, 404, 409)}}},
        "/api/v1/cases/{case_id}": {"get": {
            "summary": "A case: status, open tasks, history", "parameters": _CASE_ID,
            "responses": {"200": _response("The case"), **_errors(401, 404)}}},
        "/api/v1/cases/{case_id}/cancel": {"post": {
            "summary": "Cancel a running case (lead of a partner's org unit, or administrator): every task "
                       "and waiting step closes, status cancelled",
            "parameters": _CASE_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "maxLength": 2000}}}}}},
            "responses": {"200": _response("Cancelled"), "422": _response("Field errors"),
                          **_errors(400, 401, 403, 404, 409)}}},
        "/api/v1/cases/{case_id}/withdraw": {"post": {
            "summary": "Withdraw a handover (the handing side, before the takeover is confirmed); status withdrawn",
            "description": "Declining is a decision of the review task: complete it with "
                           "`{\"decision\": \"decline\", \"decline_reason\": …}`.",
            "parameters": _CASE_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string", "enum": ["stays_at_school", "moved_away", "consent_withdrawn",
                                                          "offered_in_error", "other"]},
                    "note": {"type": "string", "maxLength": 4000}}}}}},
            "responses": {"200": _response("Withdrawn"), "422": _response("Field errors"),
                          **_errors(400, 401, 403, 404, 409)}}},
        "/api/v1/meetings": {
            "get": {
                "summary": "The bodies (Gremien) the caller may convene an extra meeting of",
                "responses": {"200": _response("Bodies", {"type": "object", "properties": {"bodies": {
                    "type": "array", "items": {"type": "object", "properties": {
                        "body": {"type": "string", "description": "what to send as `body`: agreement:key"},
                        "agreement": {"type": "string"}, "key": {"type": "string"}, "title": {"type": "string"},
                        "reference": {"type": "string"}}}}}}), **_errors(401)}},
            "post": {
                "summary": "Convene an extra meeting of a body (Zusätzliche Sitzung): a case like the "
                           "body's calendar meetings, numbered from 1001 in the year",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["body", "reason"], "properties": {
                        "body": {"type": "string", "examples": ["landkreis-musterstadt:cooperation_conference"]},
                        "reason": {"type": "string", "maxLength": 1000}}}}}},
                "responses": {"201": _response("Meeting convened", {"type": "object", "properties": {
                    "id": {"type": "integer"}, "case_number": {"type": "string"}}}),
                    "422": _response("Field errors"), **_errors(400, 401, 404, 409)}}},
        "/api/v1/tasks": {"get": {
            "summary": "My open tasks (my group inboxes and assigned to me), by due date",
            "parameters": [{"name": "after", "in": "query", "required": False, "schema": {"type": "string"},
                            "description": "Cursor from the previous page's `next` link"}],
            "responses": {"200": _response("A page of tasks"), **_errors(401)}}},
        "/api/v1/tasks/{task_id}": {"get": {
            "summary": "A task with the JSON Schema of its form", "parameters": _TASK_ID,
            "responses": {"200": _response("The task", _TASK), **_errors(401, 404)}}},
        "/api/v1/tasks/{task_id}/claim": {"post": {
            "summary": "Take the task from the group inbox", "parameters": _TASK_ID,
            "responses": {"200": _response("Claimed"), **_errors(401, 404, 409)}}},
        "/api/v1/tasks/{task_id}/complete": {"post": {
            "summary": "Complete the task with its form data (validated against the task's JSON Schema)",
            "description": "JSON only. Uploading documents through the API is not supported: a form field with "
                           "`ui:widget: file` (e.g. `document_id` of the § 9 regional data set) takes only a file "
                           "uploaded on the task page, a value sent here is ignored, so such a task answers 422 "
                           "and must be completed on its page.",
            "parameters": _TASK_ID,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _response("Completed"), "422": _response("Field errors", {
                "type": "object", "properties": {"error": {"type": "string"},
                                                 "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}),
                          **_errors(400, 401, 404, 409)}}},
    },
}
