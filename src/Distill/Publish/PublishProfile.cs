namespace Distill.Publish;

/// <summary>How the application is published, which decides what the image must carry besides it.</summary>
public enum PublishProfile
{
    /// <summary>Native AOT: one native executable; needs only the C library and its loader.</summary>
    Aot,

    /// <summary>Self-contained and trimmed: the runtime ships with the app; for apps that cannot go AOT.</summary>
    SelfContained,

    /// <summary>Framework-dependent: the .NET runtime must come from a base image.</summary>
    Framework,
}
