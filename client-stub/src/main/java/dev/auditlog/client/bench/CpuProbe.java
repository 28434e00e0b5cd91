package dev.auditlog.client.bench;

/**
 * Reads the CPU seconds used so far by the server JVM, by PostgreSQL (the postmaster and
 * its backends) and by this load generator, each separately. A pid of -1 means "not
 * measured" and reads NaN.
 */
final class CpuProbe {
  static final CpuProbe NONE = new CpuProbe(-1, -1);

  private final long serverPid;
  private final long postgresPid;

  CpuProbe(long serverPid, long postgresPid) {
    this.serverPid = serverPid;
    this.postgresPid = postgresPid;
  }

  /** A probe of PostgreSQL only, for the baselines that talk to it directly. */
  CpuProbe postgresOnly() {
    return new CpuProbe(-1, postgresPid);
  }

  /**
   * CPU seconds so far of the server's Merkle tree integration (its {@code merkle-<log>}
   * threads) and of the whole server JVM: {tree, server}.
   */
  double[] treeAndServer() {
    return serverPid < 0 ? new double[] {Double.NaN, Double.NaN}
        : new double[] {ProcessCpu.threadSeconds(serverPid, "merkle-"),
            ProcessCpu.seconds(serverPid)};
  }

  /** CPU seconds so far: {server, postgres, this load generator}. */
  double[] read() {
    return new double[] {
      serverPid < 0 ? Double.NaN : ProcessCpu.seconds(serverPid),
      postgresPid < 0 ? Double.NaN : ProcessCpu.treeSeconds(postgresPid),
      ProcessCpu.seconds(ProcessHandle.current().pid())
    };
  }
}
