"""The filing form, generated from a service's attribute definitions.

The form collects and renders; the rules live in permits.filing.request_file (the
path shared with the API and Open311), whose per-field errors are put back on the
form. Django-level fields are therefore lenient; `required` is shown to the browser
and to assistive technology through the widget attributes.
"""

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from gis_portal.core.i18n import localized_item
from permits.models import ServiceType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Any submitted keys pass here; the service checks them against the definition."""

    def valid_value(self, value) -> bool:
        return True


class RequestForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
        help_text=_("What is the problem or what do you need? (optional)"),
    )
    contact_name = forms.CharField(
        label=_("Your name"), required=False, widget=forms.TextInput(attrs={"maxlength": 120})
    )
    contact_phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}),
        help_text=_("We send updates by SMS. Never shown publicly."),
    )
    contact_email = forms.CharField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "dir": "ltr"}),
        help_text=_("Optional. Never shown publicly."),
    )
    photos = forms.FileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Up to 3 photos (JPEG, PNG or WebP, 5 MB each). Location data is removed."),
    )

    service_type: ServiceType
    attribute_fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound or not self.data.get("token"):
            self.initial.setdefault("token", secrets.token_urlsafe(18))
        if self.service_type.is_permit:
            for name in ("contact_name", "contact_phone"):
                self._mark_required(self.fields[name])
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"id_{name}")
            described = []
            if field.help_text:
                described.append(f"id_{name}_help")
            field.widget.attrs["aria-describedby"] = " ".join(described)
            if not described:
                del field.widget.attrs["aria-describedby"]

    @staticmethod
    def _mark_required(field):
        field.widget.attrs["required"] = "required"
        field.widget.attrs["aria-required"] = "true"
        field.show_required = True

    # Used by the view to put the service's errors next to the fields.
    FIELD_FOR_ERROR = {
        "description": "description",
        "contact.name": "contact_name",
        "contact.phone": "contact_phone",
        "contact.email": "contact_email",
        "photos": "photos",
    }

    def field_for_error(self, key: str) -> str | None:
        if key.startswith("attributes."):
            name = "attr_" + key.split(".", 1)[1]
            return name if name in self.fields else None
        return self.FIELD_FOR_ERROR.get(key)

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            name = self.field_for_error(key)
            for message in messages:
                self.add_error(name, message)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = " ".join(
                    filter(None, [f"id_{name}_error", attrs.get("aria-describedby")])
                )

    def attribute_values(self) -> dict:
        values = {}
        for name in self.attribute_fields:
            code = name[len("attr_") :]
            field = self.fields[name]
            if isinstance(field, forms.MultipleChoiceField):
                values[code] = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            else:
                values[code] = self.data.get(name, "")
        return values

    def contact(self) -> dict:
        return {
            "name": self.data.get("contact_name", ""),
            "phone": self.data.get("contact_phone", ""),
            "email": self.data.get("contact_email", ""),
        }

    def attribute_bound_fields(self):
        return [self[name] for name in self.attribute_fields]

    def contact_bound_fields(self):
        return [self[name] for name in ("contact_name", "contact_phone", "contact_email")]


def _field_for(item: dict) -> forms.Field:
    label = localized_item(item, "label")
    datatype = item["datatype"]
    options = {"label": label, "required": False, "help_text": item.get("description", "")}
    if datatype == "number":
        attrs = {"inputmode": "decimal", "dir": "ltr"}
        field = forms.CharField(widget=forms.TextInput(attrs=attrs), **options)
    elif datatype == "datetime":
        field = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    elif datatype == "text":
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **options)
    elif datatype == "singlevaluelist":
        choices = [("", "—")] + [(v["key"], localized_item(v, "name")) for v in item["values"]]
        field = forms.CharField(widget=forms.Select(choices=choices), **options)
    elif datatype == "multivaluelist":
        choices = [(v["key"], localized_item(v, "name")) for v in item["values"]]
        field = LenientMultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **options
        )
    else:
        field = forms.CharField(widget=forms.TextInput(attrs={"maxlength": 200}), **options)
    if item.get("required"):
        if datatype != "multivaluelist":  # a checkbox group cannot be `required` in HTML
            field.widget.attrs["required"] = "required"
        field.widget.attrs["aria-required"] = "true"
        field.show_required = True
    return field


def request_form_class(service_type: ServiceType) -> type[RequestForm]:
    """A form class for `service_type`: its attributes (in order), then the common fields."""
    fields = {}
    for item in service_type.attribute_definitions():
        fields[f"attr_{item['code']}"] = _field_for(item)
    attrs = {
        **fields,
        "service_type": service_type,
        "attribute_fields": list(fields),
        "field_order": [*fields, "description", "contact_name", "contact_phone", "contact_email"],
    }
    return type(f"RequestForm_{service_type.code.replace('-', '_')}", (RequestForm,), attrs)
