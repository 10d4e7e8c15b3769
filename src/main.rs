fn main() {
    std::process::exit(orion::run(std::env::args_os()));
}
