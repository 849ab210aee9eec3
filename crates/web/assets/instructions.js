// The instructions editor's live preview: the pop of a call now, with the set being edited
// in force, painted by the console's own component on every keystroke.
"use strict";

(() => {
  const holder = document.querySelector("[data-pop]");
  const form = document.getElementById("set-form");
  if (!holder || !form) return;
  const base = JSON.parse(holder.dataset.pop);
  const value = (name) => form.elements[name]?.value ?? "";
  const all = (name) => [...form.querySelectorAll(`[name="${name}"]`)].map((field) => field.value.trim());

  function preview() {
    const pop = structuredClone(base);
    const temporary = Boolean(form.elements.start);
    pop.instructions_kind = temporary ? "temporary" : "standard";
    pop.instructions.title = value("title");
    pop.instructions.period = temporary ? { start: value("start"), end: value("end") } : null;
    pop.instructions.content.text = value("text");
    pop.greeting = value("greeting").trim() || holder.dataset.greeting;
    const kinds = all("step_kind");
    const tos = all("step_to");
    const names = all("step_name");
    pop.instructions.content.emergency = kinds
      .map((kind, i) => ({ kind, to: tos[i], name: names[i] }))
      .filter((step) => step.kind && step.to);
    Pop.show(pop);
  }

  form.addEventListener("input", preview);
  form.addEventListener("change", preview);
  preview();
})();
