package dev.auditlog.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The threads of a {@link Sequencer}: one sealing thread and its committing threads. Each
 * runs its loop guarded: whatever escapes a loop goes to the fatal handler, on that thread.
 */
final class PipelineThreads {
  private final Thread sealer;
  private final List<Thread> committers = new ArrayList<>();

  PipelineThreads(String logId, Runnable sealLoop, Runnable commitLoop, int committerCount,
      Consumer<Throwable> onEscape) {
    this.sealer = new Thread(() -> guarded(sealLoop, onEscape), "sequencer-" + logId);
    for (int i = 0; i < committerCount; i++) {
      committers.add(new Thread(() -> guarded(commitLoop, onEscape),
          "sequencer-commit-" + logId + "-" + i));
    }
  }

  void start() {
    committers.forEach(Thread::start);
    sealer.start();
  }

  /** Waits up to {@code millis} for the sealing thread, which ends after the committers. */
  void joinSealer(long millis) throws InterruptedException {
    sealer.join(millis);
  }

  /** Runs {@code action} once for each committing thread. */
  void forEachCommitter(Runnable action) {
    committers.forEach(c -> action.run());
  }

  /** Waits for the committing threads, keeping an interrupt for later. */
  void joinCommitters() {
    boolean interrupted = false;
    for (Thread c : committers) {
      while (true) {
        try {
          c.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Interrupts every pipeline thread but the calling one. */
  void interruptOthers() {
    committers.forEach(PipelineThreads::interruptUnlessCurrent);
    interruptUnlessCurrent(sealer);
  }

  private static void interruptUnlessCurrent(Thread thread) {
    if (thread != Thread.currentThread()) {
      thread.interrupt();
    }
  }

  private static void guarded(Runnable loop, Consumer<Throwable> onEscape) {
    try {
      loop.run();
    } catch (Throwable t) {
      onEscape.accept(t);
    }
  }
}
