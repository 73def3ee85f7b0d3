from django.contrib import admin

from qingqian.legaldata.models import HolidayDay, LprQuoteRow, SmallClaimsLimitRow


@admin.register(HolidayDay)
class HolidayDayAdmin(admin.ModelAdmin):
    list_display = ("day", "workday", "name", "source")
    list_filter = ("workday",)
    date_hierarchy = "day"


@admin.register(LprQuoteRow)
class LprQuoteRowAdmin(admin.ModelAdmin):
    list_display = ("day", "one_year", "five_year", "grade", "source")


@admin.register(SmallClaimsLimitRow)
class SmallClaimsLimitRowAdmin(admin.ModelAdmin):
    list_display = ("province", "valid_from", "limit", "agreed_ceiling", "source")
