from django.apps import AppConfig


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qingqian.mediation"
    verbose_name = "调解"

    def ready(self) -> None:
        from qingqian.contact.speech import register_speech_source
        from qingqian.mediation.selectors import debtor_speech_for

        # contact and the desk sit below mediation: they learn who speaks what from here
        register_speech_source(debtor_speech_for)
