"""Mediation the Kunshan way: a roster of staff and community (乡贤) mediators matched to a
case by place, dialect, speciality and load; sessions, proposals, the mediation agreement
(调解协议书) and the application for judicial confirmation (司法确认申请书). See
``docs/mediation.md``."""
