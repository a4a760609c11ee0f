"""The editions of Working Together to Safeguard Children whose timescales the partnership's clocks follow.

The notification and rapid review timescales stood under Working Together 2018 as they stand under the 2023
edition, so a case whose clock started before 15 December 2023 gets the same milestone, citing the edition in
force on its trigger date. Each earlier edition is its own rule (codes ending "-2018"), so its source can be
corrected on its own.
"""

import dataclasses

from coordination.kinds import Timescale

# Working Together 2018 took effect with the Child Safeguarding Practice Review and Relevant Agency (England)
# Regulations 2018 (SI 2018/789); areas moved to the new arrangements by 29 September 2019.
WT2018 = "2018-06-29"
WT2018_LAST_DAY = "2023-12-14"
# Working Together to Safeguard Children 2023 took effect.
WT2023 = "2023-12-15"

# A partnership's own page written under Working Together 2018 (March 2020), which states the rapid review's
# 15 working days and that the notification deadlines were unchanged by the Covid-19 relaxation.
TRAFFORD_2020 = "https://www.traffordsafeguardingpartnership.org.uk/About-us/News/2020/Child-Safeguarding-Practice-Reviews-update.aspx"


def as_in_working_together_2018(current: Timescale, *, source: str, verification: str = "P") -> Timescale:
    """The Working Together 2018 edition of a 2023 timescale: the same clock, for triggers before the 2023
    edition took effect, citing the guidance then in force."""
    return dataclasses.replace(
        current,
        code=f"{current.code}-2018",
        source=source,
        source_url=TRAFFORD_2020,
        verification=verification,
        effective_from=WT2018,
        effective_to=WT2018_LAST_DAY,
        edition_of=current.code,
    )
