// The database directory panel: a whole LevelDB directory, read only.
//
// NOT BUILT YET: it waits for the LevelDB directory reader (src/lsm/leveldb-directory.ts), which
// is being written on another branch. Until it lands this panel says so and offers nothing; it does
// not pretend to read a directory.

import type { Kernels } from "../src/kernels/types.js";
import { byId, el } from "./dom.js";

export class DirectoryPanel {
  constructor(_kernels: () => Kernels) {
    byId("dir-content").replaceChildren(el("p", { class: "hint", "data-state": "not-built" },
      "Not built yet: opening a LevelDB database directory needs the directory reader (src/lsm/leveldb-directory.ts), which has not landed."));
  }

  reopen(): void {}
}
