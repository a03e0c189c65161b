"""The layers, where import-linter cannot see them: relations between models and models fetched by name.

`lint-imports` (run by `make lint` and CI) checks the Python imports. A foreign key written as a
string (`"technicians.ServiceArea"`) or a model fetched with `apps.get_model("app", "Model")` is a
dependency too, and neither is an import; these tests hold them to the same order:
accounts < technicians < bookings < records, earnings < notifications, with the homecure base
below every app.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LAYER = {"homecure": 0, "accounts": 1, "technicians": 2, "bookings": 3, "records": 4, "earnings": 4, "notifications": 5}


def _may_depend(source: str, target: str) -> bool:
    return source == target or LAYER[target] < LAYER[source]


def _project_relations():
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models(include_auto_created=True):
        source = model._meta.app_label
        if source not in LAYER:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            target = field.related_model._meta.app_label
            # The base's audit log names who acted: the swappable user model is Django's to give.
            if target in LAYER and not (source == "homecure" and field.related_model is user_model):
                yield model._meta.label, field.name, field.related_model._meta.label, source, target


def test_every_relation_points_down_the_layers():
    wrong = [
        f"{model}.{name} -> {related}"
        for model, name, related, source, target in _project_relations()
        if not _may_depend(source, target)
    ]
    assert wrong == []


def test_the_relation_scan_sees_relations_between_apps():
    # A negative control: the scan must find the cross-app relations that do exist.
    pairs = {(source, target) for *_, source, target in _project_relations() if source != target}
    assert ("bookings", "technicians") in pairs
    assert ("records", "bookings") in pairs


def _python_files():
    for app in LAYER:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and "tests" not in path.parts:
                yield path


def _models_fetched_by_name(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "get_model"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            label = node.args[0].value
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                label = f"{label}.{node.args[1].value}"
            yield label


@pytest.mark.parametrize("path", sorted(_python_files()), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_app_fetches_another_apps_model_by_name(path):
    source = path.relative_to(ROOT).parts[0]
    hidden = [label for label in _models_fetched_by_name(path) if label.split(".")[0] != source]
    assert hidden == [], f"{path.relative_to(ROOT)} reads {hidden} by name: import it, or ask through a signal"


def test_the_name_scan_finds_a_model_fetched_by_name(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('from django.apps import apps\nNote = apps.get_model("notifications", "Notification")\n')
    assert list(_models_fetched_by_name(sample)) == ["notifications.Notification"]
