namespace Distill.Reduce;

/// <summary>The few files a FROM-scratch image needs besides the program and its libraries.</summary>
public static class SystemFiles
{
    /// <summary>uid and gid of the non-root user, as distroless's "nonroot".</summary>
    public const int AppUserId = 65532;

    public const string AppUserName = "app";

    /// <summary>
    /// root and app. The app user's home is /tmp: the one place a read-only container can write (podman and Kubernetes
    /// mount a tmpfs there; in the image it is 1777), so .NET code that writes under $HOME (ASP.NET Core data-protection
    /// keys, for one) works without a warning. The shell is /sbin/nologin, which the image does not even have.
    /// </summary>
    public const string Passwd =
        "root:x:0:0:root:/root:/sbin/nologin\n" +
        "app:x:65532:65532:app:/tmp:/sbin/nologin\n";

    public const string Group =
        "root:x:0:\n" +
        "app:x:65532:\n";

    /// <summary>
    /// Without this file glibc looks hosts up with "dns [!UNAVAIL=return] files": a DNS answer of "no such name" would
    /// stop "localhost" and the runtime-mounted /etc/hosts from being consulted. Files first, as distroless does.
    /// (glibc 2.34+ has the files and dns modules built in, so no libnss_*.so is needed.)
    /// </summary>
    public const string NsSwitch =
        "passwd: files\n" +
        "group: files\n" +
        "shadow: files\n" +
        "hosts: files dns\n" +
        "networks: files\n" +
        "protocols: files\n" +
        "services: files\n";
}
