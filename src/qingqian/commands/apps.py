from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "qingqian.commands"
    label = "qq_commands"
    verbose_name = "Qingqian commands"

    def ready(self) -> None:
        from qingqian.commands import checks  # noqa: F401 - registers the deploy checks
