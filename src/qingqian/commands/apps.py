from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "qingqian.commands"
    label = "qq_commands"
    verbose_name = "Qingqian commands"
