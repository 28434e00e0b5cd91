package dev.auditlog.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Resolves a fixed list of servers ({@code host:port} each) for a channel that spreads calls
 * over them (round robin). Each server becomes one address group, with all the addresses its
 * host name resolves to, and with its own {@code host:port} as the authority its connections
 * use, so that TLS verifies each server's certificate against the name it was listed under,
 * not against the first one's. A host that does not resolve is left out until the next
 * refresh (the load balancer asks for one when a server cannot be reached); only when none
 * resolves is that an error.
 */
final class TargetListResolver extends NameResolver {
  static final String SCHEME = "audit-targets";

  /** One server of the list. */
  record Target(String host, int port) {
    /**
     * Parses {@code host:port} ({@code [v6]:port} for an IPv6 literal).
     *
     * @throws IllegalArgumentException naming the target if it is not that
     */
    static Target parse(String target) {
      try {
        URI uri = new URI("audit://" + target.strip());
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535
            || uri.getRawPath().length() > 0
            || uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
          throw new URISyntaxException(target, "not host:port");
        }
        String host = uri.getHost();
        return new Target(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
            uri.getPort());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException(
            "targets: '" + target + "' is not host:port (an IPv6 address in brackets)", e);
      }
    }

    /** {@code host:port} as a URI authority: what TLS checks the certificate against. */
    String authority() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  private final List<Target> targets;
  private final SynchronizationContext syncContext;
  private final Executor executor;
  private Listener2 listener;
  private boolean resolving;
  private boolean shutdown;

  private TargetListResolver(List<Target> targets, Args args) {
    this.targets = targets;
    this.syncContext = args.getSynchronizationContext();
    this.executor = args.getOffloadExecutor() != null ? args.getOffloadExecutor() : Runnable::run;
  }

  @Override
  public String getServiceAuthority() {
    return targets.get(0).authority();
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    resolve();
  }

  @Override
  public void refresh() {
    resolve();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  /** In the synchronization context: looks the names up off it, one lookup at a time. */
  private void resolve() {
    if (resolving || shutdown) {
      return;
    }
    resolving = true;
    executor.execute(() -> {
      StatusOr<List<EquivalentAddressGroup>> result = lookUp(targets);
      syncContext.execute(() -> {
        resolving = false;
        if (!shutdown) {
          listener.onResult2(ResolutionResult.newBuilder().setAddressesOrError(result).build());
        }
      });
    });
  }

  static StatusOr<List<EquivalentAddressGroup>> lookUp(List<Target> targets) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(targets.size());
    List<String> unknown = new ArrayList<>();
    for (Target t : targets) {
      try {
        List<SocketAddress> addresses = new ArrayList<>();
        for (InetAddress a : InetAddress.getAllByName(t.host())) {
          addresses.add(new InetSocketAddress(a, t.port()));
        }
        groups.add(new EquivalentAddressGroup(addresses, Attributes.newBuilder()
            .set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, t.authority()).build()));
      } catch (UnknownHostException e) {
        unknown.add(t.authority());
      }
    }
    return groups.isEmpty()
        ? StatusOr.fromStatus(Status.UNAVAILABLE.withDescription("no target resolves: " + unknown))
        : StatusOr.fromValue(groups);
  }

  /** Makes the resolver for a channel built for {@link #SCHEME}. */
  static final class Factory extends NameResolver.Factory {
    private final List<Target> targets;

    Factory(List<Target> targets) {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("targets: at least one host:port, got none");
      }
      this.targets = List.copyOf(targets);
    }

    @Override
    public NameResolver newNameResolver(URI uri, Args args) {
      return SCHEME.equals(uri.getScheme()) ? new TargetListResolver(targets, args) : null;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }
  }
}
