//! The benchmark's baseline: a plain read and write of a CSV file with the csv crate, record by
//! record, nothing computed. `calc batch` on the same file is measured against it.
//!
//! cargo run --release --example csv_baseline -- IN.csv OUT.csv

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: csv_baseline IN.csv OUT.csv");
        std::process::exit(2);
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(input)?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(std::io::BufWriter::new(std::fs::File::create(output)?));
    let mut record = csv::StringRecord::new();
    let mut rows = 0u64;
    while r.read_record(&mut record)? {
        w.write_record(&record)?;
        rows += 1;
    }
    w.flush()?;
    eprintln!("{rows} records");
    Ok(())
}
