package dev.forge.neo4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Neo4j for Forge's tests and development: community databases in this process, each its own server with
 * Bolt on a loopback port, no authentication (loopback only), no HTTP connector. Several are for test runs
 * that use one per worker (the community edition has one user database per server). Prints
 * {@code bolt://127.0.0.1:<port>} for each once all accept connections, and stops cleanly on SIGTERM or
 * SIGINT, or when the process WATCH_PID ends (so the shell or test run that started it takes it along).
 *
 * <pre>java -cp … dev.forge.neo4j.Launcher DATA_DIR PORT[,PORT…] [WATCH_PID]</pre>
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 3) {
      System.err.println("usage: Launcher DATA_DIR PORT[,PORT...] [WATCH_PID]");
      System.exit(2);
    }
    Path data = Path.of(args[0]).toAbsolutePath();
    String[] ports = args[1].split(",");
    // The page cache is shared out: 256 MB for one server, never less than 64 MB each.
    long pageCache = Math.max(64L, 256L / ports.length) * 1024 * 1024;
    List<DatabaseManagementService> services = new ArrayList<>();
    for (int i = 0; i < ports.length; i++) {
      Path home = ports.length == 1 ? data : data.resolve("server-" + (i + 1));
      services.add(start(home, Integer.parseInt(ports[i]), pageCache));
    }
    Object stopped = new Object();
    Thread stop =
        new Thread(
            () -> {
              for (DatabaseManagementService service : services) service.shutdown();
              synchronized (stopped) {
                stopped.notifyAll();
              }
            },
            "forge-neo4j-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    // Ready: each default database answers.
    for (int i = 0; i < ports.length; i++) {
      services.get(i).database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
      System.out.println("bolt://127.0.0.1:" + ports[i]);
    }
    System.out.flush();
    if (args.length == 3) {
      // Stop when the watched process ends (or at once, when it has already gone).
      ProcessHandle.of(Long.parseLong(args[2])).ifPresent(p -> p.onExit().join());
      System.exit(0);
    }
    synchronized (stopped) {
      stopped.wait();
    }
  }

  private static DatabaseManagementService start(Path home, int port, long pageCache) {
    return new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(BoltConnectorInternalSettings.unsupported_bolt_unauth_connection_timeout, Duration.ofSeconds(30))
        .setConfig(HttpConnector.enabled, false)
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
        .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(60))
        .build();
  }
}
