package dev.weft.server;

/**
 * Keeps Guice from generating bytecode. On JDK 24+ Guice's class generation calls
 * {@code sun.misc.Unsafe} and the JDK prints a deprecation warning; Weft needs no method
 * interception, so it turns generation off before Guice first loads, unless the user chose.
 */
final class GuiceQuiet {
    private static final String PROPERTY = "guice_bytecode_gen_option";

    private GuiceQuiet() {
    }

    static void apply() {
        if (System.getProperty(PROPERTY) == null) {
            System.setProperty(PROPERTY, "DISABLED");
        }
    }
}
