public enum CFeed { public static func main() {} }
