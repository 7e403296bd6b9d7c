package dev.forge.neo4j;

import java.nio.file.Path;
import java.time.Duration;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;

/**
 * Neo4j for Forge's tests and development: the community database in this process, Bolt on a loopback
 * port, no authentication (loopback only), no HTTP connector. Prints {@code bolt://127.0.0.1:<port>} once it
 * accepts connections, and stops cleanly on SIGTERM or SIGINT, or when the process WATCH_PID ends (so the
 * shell or test run that started it takes it along).
 *
 * <pre>java -cp … dev.forge.neo4j.Launcher DATA_DIR PORT [WATCH_PID]</pre>
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 && args.length != 3) {
      System.err.println("usage: Launcher DATA_DIR PORT [WATCH_PID]");
      System.exit(2);
    }
    Path home = Path.of(args[0]).toAbsolutePath();
    int port = Integer.parseInt(args[1]);
    DatabaseManagementService service =
        new DatabaseManagementServiceBuilder(home)
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
            .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
            .setConfig(BoltConnectorInternalSettings.unsupported_bolt_unauth_connection_timeout, Duration.ofSeconds(30))
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, false)
            .setConfig(GraphDatabaseSettings.pagecache_memory, 256L * 1024 * 1024)
            .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofSeconds(60))
            .build();
    Object stopped = new Object();
    Thread stop =
        new Thread(
            () -> {
              service.shutdown();
              synchronized (stopped) {
                stopped.notifyAll();
              }
            },
            "forge-neo4j-stop");
    Runtime.getRuntime().addShutdownHook(stop);
    // Ready: the default database answers.
    service.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
    System.out.println("bolt://127.0.0.1:" + port);
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
}
