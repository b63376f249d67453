"""T-NAT-FOUND: when a child on a national alert is located, a national "found"
notification follows; found before the alert went out, none is needed."""

from __future__ import annotations

from mailbot.core.chain import route, tasks
from mailbot.core.context import Work
from mailbot.core.national import cascade, gate


def national_found(work: Work) -> None:
    alert = work.alert
    if alert.national.status in ("issued", "signed_off"):
        work.update(national=work.alert.national.model_copy(update={"status": "found"}),
                    clocks=tuple(c for c in work.alert.clocks if not c.id.startswith("nat_")),
                    waits=tuple(w for w in work.alert.waits if w.task != "national_reissue"))
        if cascade.by_bot(work):
            cascade.send_cascade(work, "found")
        else:
            tasks.create_task(work, "cascade_found", "miu", "cascade_found", "T-NAT-FOUND")
    elif alert.national.status in ("held", "in_qa"):
        # found before the national alert went out: none is needed (T-NAT-3W)
        gate.drop_chain(work, "the child was found before the national alert went out")
        route.advance(work)
