from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "panorama.imports"
    label = "imports"
    verbose_name = "CSV import"
