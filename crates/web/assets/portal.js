// The portal's Now page: the pop the server made, painted by the console's own component.
"use strict";

const holder = document.querySelector("[data-pop]");
if (holder) Pop.show(JSON.parse(holder.dataset.pop));
