"""The POST forms the pages show, read from their HTML, and the data a browser would send for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Inputs a person types into: fuzzing puts malformed values there. Hidden inputs, buttons and
# check boxes carry what the page itself chose.
TYPED_INPUTS = {"text", "email", "tel", "number", "date", "time", "datetime-local", "password", "url", "search"}


@dataclass
class Field:
    name: str
    kind: str  # an input type, "textarea", "select" or "select-multiple"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    # The admin's autocomplete selects list only the chosen option and find the others as one
    # types, so a value they do not list may still be a valid choice.
    autocomplete: bool = False

    @property
    def typed(self) -> bool:
        return self.kind in TYPED_INPUTS or self.kind in ("textarea", "select", "select-multiple")


@dataclass
class Form:
    page: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def signature(self) -> tuple:
        return (self.action, tuple(sorted({f.name for f in self.fields})))

    def typed_fields(self) -> list[Field]:
        return [f for f in self.fields if f.typed and f.name != "csrfmiddlewaretoken"]

    def as_shown(self) -> dict[str, object]:
        """What a browser sends when the form is submitted unchanged with its first named button."""
        data: dict[str, list[str]] = {}
        for f in self.fields:
            if f.name == "csrfmiddlewaretoken":
                continue
            if f.kind in ("checkbox", "radio"):
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "select":
                choice = f.selected[:1] or f.options[:1]
                data.setdefault(f.name, []).extend(choice)
            elif f.kind == "select-multiple":
                data.setdefault(f.name, []).extend(f.selected)
            elif f.kind != "file":
                data.setdefault(f.name, []).append(f.value)
        if self.buttons:
            name, value = self.buttons[0]
            data.setdefault(name, []).append(value)
        return {name: values if len(values) > 1 else values[0] for name, values in data.items() if values}


class _Parser(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.textarea: Field | None = None
        self.select: Field | None = None
        self.option: tuple[str | None, bool] | None = None
        self.option_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            if attrs.get("method", "get").lower() != "post":
                return
            action = urljoin(self.page, attrs.get("action") or self.page)
            multipart = attrs.get("enctype", "") == "multipart/form-data"
            self.form = Form(page=self.page, action=urlsplit(action).path, multipart=multipart)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        if tag == "option":
            if self.select is not None:
                self.option = (attrs.get("value"), "selected" in attrs)
                self.option_text = ""
            return
        name = attrs.get("name", "")
        # Browsers do not send disabled fields, and the form ignores them (a verified license number).
        if not name or "disabled" in attrs:
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "image", "reset", "button"):
                if kind == "submit":
                    self.form.buttons.append((name, attrs.get("value", "")))
                return
            self.form.fields.append(Field(name, kind, attrs.get("value", ""), checked="checked" in attrs))
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            self.form.buttons.append((name, attrs.get("value", "")))
        elif tag == "textarea":
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)
        elif tag == "select":
            self.select = Field(name, "select-multiple" if "multiple" in attrs else "select")
            self.select.autocomplete = "data-ajax--url" in attrs
            self.form.fields.append(self.select)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data
        if self.option is not None:
            self.option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None:
            # Browsers drop the newline that follows <textarea>.
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value, selected = self.option
            value = self.option_text.strip() if value is None else value
            self.select.options.append(value)
            if selected:
                self.select.selected.append(value)
            self.option = None


def post_forms(page: str, html: str) -> list[Form]:
    parser = _Parser(page)
    parser.feed(html)
    return [form for form in parser.forms if form.fields or form.buttons]
