// Smoke scenarios for the standard library through the scripted driver.
import { describe, expect, test } from "vitest";
import { EarlyStopping, ReduceLROnPlateau } from "cbc";
import { drive } from "./support/drive.js";

describe("EarlyStopping through the driver", () => {
  test.each([false, true])("patience 2 stops at the second non-improving epoch (tensors: %s)", async (asTensors) => {
    // best 0.5 at epoch 1; epochs 2 and 3 do not improve: wait 1, 2 -> stop at epoch 3.
    const run = await drive(new EarlyStopping({ patience: 2, restoreBestWeights: true }), {
      epochs: { val_loss: [1, 0.5, 0.6, 0.7, 0.1] },
      asTensors,
    });
    expect(run.stoppedAt).toBe(3);
    expect(run.weightsEpoch).toBe(1);
    expect(run.leakedTensors).toBe(0);
  });
});

describe("ReduceLROnPlateau through the driver", () => {
  test("factor 0.5 after 2 flat epochs, cooldown 1", async () => {
    // Keras: epoch0 best; 1 wait 1; 2 wait 2 -> reduce, cooldown 1; 3: cooldown 1->0 and wait 0, then (no longer
    // in cooldown) wait 1; 4 wait 2 -> reduce; 5 as 3. So cooldown 1 acts like cooldown 0.
    const run = await drive(new ReduceLROnPlateau({ patience: 2, factor: 0.5, cooldown: 1 }), {
      epochs: { val_loss: [1, 1, 1, 1, 1, 1] },
      initialLr: 0.1,
    });
    expect(run.lrAfterEpoch.map((v) => +v.toPrecision(6))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });
});
