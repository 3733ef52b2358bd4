import ArgumentParser
import Foundation
import RelayConfiguration
import RelayServer

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate a configuration file or print the effective configuration.",
        subcommands: [Check.self, Print.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a configuration file without starting (exit 1 naming the key and line on error)."
        )

        @Argument(help: "The YAML configuration file.")
        var file: String

        func run() async throws {
            let loaded: RelayConfiguration
            do {
                loaded = try RelayConfiguration.load(file: file, environment: [:], flags: [:])
            } catch {
                fail(error.description)
            }
            do {
                _ = try RelayServerConfiguration(loaded)
            } catch {
                fail("\(file): \(error)")
            }
            say("\(file): valid")
        }
    }

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (file, environment and flags applied), secrets masked."
        )

        @OptionGroup var settings: SettingsOptions

        @Flag(help: "Print secrets in full.")
        var showSecrets = false

        func run() async throws {
            let loaded = settings.load()
            FileHandle.standardOutput.write(Data(loaded.render(maskingSecrets: !showSecrets).utf8))
        }
    }
}
