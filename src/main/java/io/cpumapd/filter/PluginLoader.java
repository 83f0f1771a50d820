package io.cpumapd.filter;

import io.cpumapd.packet.PacketFilter;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Filter plugins: every {@code *.jar} of a directory goes on one class loader (child of cpumapd's),
 * and the {@link FilterProvider}s they declare in {@code META-INF/services} are found with
 * {@link ServiceLoader}. Everything is checked when the loader is made, so a broken jar, a missing or
 * wrong class, a throwing constructor or a name clash fails at configuration time as a
 * {@link FilterException} naming the jar, never later on a worker. Control path.
 */
public final class PluginLoader implements AutoCloseable {
    private final Path dir;
    private final URLClassLoader loader;
    private final Map<String, FilterProvider> providers = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();

    public PluginLoader(Path dir) {
        this.dir = dir;
        if (!Files.isDirectory(dir)) {
            throw new FilterException("plugin directory " + dir.toAbsolutePath() + " does not exist or is not a directory");
        }
        List<URL> jars = new ArrayList<>();
        for (Path jar : jarsIn(dir)) {
            checkReadable(jar);
            try {
                jars.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new FilterException("plugin jar " + jar + ": " + e.getMessage(), e);
            }
        }
        loader = new URLClassLoader("cpumapd-plugins", jars.toArray(URL[]::new), PluginLoader.class.getClassLoader());
        try {
            for (FilterProvider provider : ServiceLoader.load(FilterProvider.class, loader)) {
                register(provider);
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            closeQuietly();
            throw new FilterException("plugin directory " + dir + ": cannot load a FilterProvider: " + message(e), e);
        } catch (FilterException e) {
            closeQuietly();
            throw e;
        }
    }

    private static List<Path> jarsIn(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new FilterException("cannot list plugin directory " + dir + ": " + e, e);
        }
    }

    private static void checkReadable(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            file.getManifest(); // reads the central directory: a truncated or non-zip file fails here
        } catch (IOException | SecurityException e) {
            throw new FilterException("plugin jar " + jar + " is not a readable jar: " + message(e), e);
        }
    }

    private void register(FilterProvider provider) {
        String origin = origin(provider.getClass());
        String name;
        try {
            name = provider.name();
        } catch (RuntimeException e) {
            throw new FilterException("plugin " + provider.getClass().getName() + " (" + origin + "): name() threw " + e, e);
        }
        if (name == null || name.isBlank()) {
            throw new FilterException("plugin " + provider.getClass().getName() + " (" + origin + ") has no name");
        }
        if (Filters.isBuiltIn(name)) {
            throw new FilterException("plugin " + provider.getClass().getName() + " (" + origin
                    + ") uses the name of the built-in filter '" + name + "'");
        }
        if (providers.containsKey(name)) {
            throw new FilterException("two plugins are named '" + name + "': " + origins.get(name) + " and " + origin);
        }
        providers.put(name, provider);
        origins.put(name, origin);
    }

    private static String origin(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? "class path" : source.getLocation().getPath();
    }

    public Path directory() {
        return dir;
    }

    /** Plugin filter names, in jar order. */
    public List<String> names() {
        return List.copyOf(providers.keySet());
    }

    /** Where plugin {@code name} came from (a jar path), or null. */
    public String origin(String name) {
        return origins.get(name);
    }

    /** The loader over the plugin jars, for classes named by their fully qualified name. */
    public ClassLoader classLoader() {
        return loader;
    }

    /** A new filter from plugin {@code name}; its failures become {@link FilterException}s. */
    PacketFilter create(String name, Map<String, String> params, TargetSet targets) {
        FilterProvider provider = providers.get(name);
        if (provider == null) {
            throw new FilterException("no plugin named '" + name + "' in " + dir);
        }
        return created(provider, params, targets, "plugin '" + name + "' (" + origins.get(name) + ")");
    }

    private static PacketFilter created(FilterProvider provider, Map<String, String> params, TargetSet targets,
                                        String what) {
        PacketFilter filter;
        try {
            filter = provider.create(Map.copyOf(params), targets);
        } catch (FilterException e) {
            throw e;
        } catch (RuntimeException | LinkageError e) {
            throw new FilterException(what + " failed to create a filter: " + message(e), e);
        }
        if (filter == null) {
            throw new FilterException(what + " returned no filter");
        }
        return filter;
    }

    /** A filter from a class named {@code className}: a {@link FilterProvider} or a {@link PacketFilter}. */
    static PacketFilter fromClass(String className, Map<String, String> params, TargetSet targets, ClassLoader loader) {
        return fromClass(className, params, targets, loader, null);
    }

    /**
     * As {@link #fromClass(String, Map, TargetSet, ClassLoader)}; with {@code definedBy} set, only a class
     * that loader defines (a plugin jar's, not the class path's) is accepted, checked before it is initialised.
     */
    static PacketFilter fromClass(String className, Map<String, String> params, TargetSet targets, ClassLoader loader,
                                  ClassLoader definedBy) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
            if (definedBy != null && type.getClassLoader() != definedBy) {
                throw new ClassNotFoundException(className);
            }
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new FilterException("unknown filter '" + className + "': not a built-in ("
                    + String.join(", ", Filters.names()) + "), not a plugin, and no class of that name "
                    + (definedBy == null ? "on the class path" : "in the plugin jars"));
        } catch (LinkageError e) {
            throw new FilterException("filter class " + className + " failed to load: " + message(e), e);
        }
        if (FilterProvider.class.isAssignableFrom(type)) {
            return created((FilterProvider) instantiate(type), params, targets, "filter provider " + className);
        }
        if (PacketFilter.class.isAssignableFrom(type)) {
            if (!params.isEmpty()) {
                throw new FilterException("filter class " + className + " takes no parameters (given: "
                        + String.join(", ", params.keySet()) + "); implement FilterProvider to accept them");
            }
            return (PacketFilter) instantiate(type);
        }
        throw new FilterException("class " + className + " implements neither " + PacketFilter.class.getName()
                + " nor " + FilterProvider.class.getName());
    }

    private static Object instantiate(Class<?> type) {
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new FilterException("filter class " + type.getName() + " is abstract");
        }
        try {
            Constructor<?> constructor = type.getConstructor();
            return constructor.newInstance();
        } catch (NoSuchMethodException e) {
            throw new FilterException("filter class " + type.getName() + " has no public no-argument constructor");
        } catch (IllegalAccessException e) {
            throw new FilterException("filter class " + type.getName() + " or its constructor is not public");
        } catch (InvocationTargetException e) {
            throw new FilterException("constructor of filter class " + type.getName() + " threw: "
                    + message(e.getCause()), e.getCause());
        } catch (InstantiationException | LinkageError e) {
            throw new FilterException("cannot instantiate filter class " + type.getName() + ": " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private void closeQuietly() {
        try {
            loader.close();
        } catch (IOException ignored) {
            // nothing was handed out yet; the failure being reported matters more
        }
    }

    /** Closes the jars; filters already created keep working only if their classes are loaded. */
    @Override
    public void close() {
        closeQuietly();
    }
}
