# Dates written out as the programme's letters and eligibility messages write them:
# "27 February 2026", "27 February 2026, 23:59".
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 0
