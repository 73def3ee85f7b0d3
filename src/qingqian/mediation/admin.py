from django.contrib import admin

from qingqian.mediation.models import (
    DebtorProfile,
    MediationFee,
    Mediator,
    OrganisationLicence,
    SpeechProfile,
)

admin.site.register(Mediator)
admin.site.register(SpeechProfile)
admin.site.register(DebtorProfile)
admin.site.register(MediationFee)
admin.site.register(OrganisationLicence)
