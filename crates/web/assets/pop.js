// The screen pop: paints what the operator sees of a call into the markup of pop.html.
// The console calls it for every offered call, the portal with the pop of a call now.
// Everything is put on the page with textContent (never as HTML).
"use strict";

const Pop = {
  show(pop) {
    const $ = (id) => document.getElementById(id);
    $("pop-client").textContent = pop.client_name;
    $("pop-hold").hidden = true;
    $("pop-greeting").textContent = pop.greeting;
    $("pop-line").textContent = pop.dialled_label ? `${pop.dialled_label} (${pop.dialled})` : pop.dialled;
    if (pop.original) $("pop-line").textContent += ` ← ${pop.original}`;
    const caller = $("pop-caller");
    caller.textContent = [pop.caller.name, pop.caller.number].filter(Boolean).join(" · ") || caller.dataset.anonymous;

    const kind = $("pop-instructions-kind");
    kind.textContent = kind.dataset[pop.instructions_kind];
    kind.dataset.kind = pop.instructions_kind;
    const period = pop.instructions.period;
    $("pop-period").textContent = period ? `${pop.instructions.title} · ${period.start.replace("T", " ")} – ${period.end.replace("T", " ")}` : "";
    $("pop-instructions").textContent = pop.instructions.content.text;

    const contact = pop.contact;
    $("pop-contact").hidden = !contact;
    if (contact) {
      $("pop-contact-name").textContent = [contact.name, contact.company].filter(Boolean).join(", ");
      $("pop-vip").hidden = !contact.vip;
      $("pop-contact-remarks").textContent = contact.remarks;
    }

    const employees = $("pop-employees");
    employees.replaceChildren(...pop.employees.map((e) => {
      const item = Centrale.el("li", `${e.name}${e.role ? ` (${e.role})` : ""} — `);
      item.append(Centrale.el("span", e.reachable ? employees.dataset.reachable : employees.dataset.unreachable, e.reachable ? "ok" : "no"));
      // Their shared agenda: in an appointment now, until when.
      const busy = (pop.busy ?? []).find((b) => b.employee_id === e.id);
      if (busy) item.append(" · ", Centrale.el("span", `${employees.dataset.busy} ${busy.until_local}`, "busy"));
      return item;
    }));

    // The emergency procedure, one item per step; the console adds its actions to them.
    const steps = pop.instructions.content.emergency;
    $("pop-emergency-section").hidden = steps.length === 0;
    $("pop-emergency").replaceChildren(...steps.map((step) => Centrale.el("li", `${step.kind}: ${step.name ? step.name + " " : ""}${step.to} `)));
  },
};
