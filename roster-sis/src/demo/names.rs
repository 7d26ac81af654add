//! Name pools for generated people, and their email local parts.

pub(super) const FIRST_NAMES: &[&str] = &[
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Mateo",
    "Sofía",
    "José",
    "Zoë",
    "Aiden",
    "Chloé",
    "Amir",
    "Fatima",
    "Ethan",
    "Mia",
    "Lucas",
    "Isabella",
    "Jayden",
    "Ava",
    "Santiago",
    "Camila",
    "Elijah",
    "Harper",
    "Mohammed",
    "Aaliyah",
    "Benjamin",
    "Renée",
    "Björn",
    "Chidi",
    "Priya",
    "Wei",
    "Yuki",
    "Hana",
    "Diego",
    "Valentina",
    "Kwame",
    "Amara",
    "Finn",
    "Nora",
    "Théo",
    "Léa",
    "Declan",
    "Siobhán",
    "Ximena",
    "Omar",
    "Layla",
    "Jamal",
    "Grace",
    "Henry",
    "Inés",
    "Malik",
    "Anne-Marie",
    "Jean-Luc",
    "Connor",
    "Maya",
    "Ibrahim",
    "Sara",
    "Dmitri",
    "Ana",
    "Kai",
    "Ruth",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Pérez",
    "Thompson",
    "White",
    "Harris",
    "Sánchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "MacLeod",
    "García-López",
    "Smith-Jones",
    "de la Cruz",
    "Van der Berg",
    "D'Angelo",
    "Kowalski",
    "Nowak",
    "Müller",
    "Østergaard",
    "Okafor",
    "Adeyemi",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Patel",
    "Shah",
    "Cohen",
    "Murphy",
    "Kelly",
    "Sullivan",
    "Novák",
    "Søndergaard",
    "Ó Súilleabháin",
];

/// `José Ó Súilleabháin` -> `jose.osuilleabhain`: letters and digits, ASCII-folded.
pub(super) fn email_local(first: &str, last: &str) -> String {
    let fold = |s: &str| -> String {
        s.chars()
            .filter_map(|c| {
                let c = match c {
                    'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'Ä' => 'a',
                    'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
                    'í' | 'ì' | 'î' | 'ï' | 'Í' => 'i',
                    'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ö' | 'Ø' => 'o',
                    'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ü' => 'u',
                    'ñ' => 'n',
                    'ç' => 'c',
                    'ý' | 'ÿ' => 'y',
                    c => c,
                };
                c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
            })
            .collect()
    };
    format!("{}.{}", fold(first), fold(last))
}

#[cfg(test)]
mod tests {
    use super::super::BAD_NAMES;
    use super::*;

    #[test]
    fn email_local_part_is_ascii() {
        assert_eq!(email_local("José", "Ó Súilleabháin"), "jose.osuilleabhain");
        assert_eq!(email_local("Anne-Marie", "O'Brien"), "annemarie.obrien");
        assert_eq!(email_local("Zoë", "Østergaard"), "zoe.ostergaard");
    }

    #[test]
    fn pools_hold_no_bad_names() {
        for n in FIRST_NAMES.iter().chain(LAST_NAMES) {
            assert!(!BAD_NAMES.contains(&n.to_lowercase().as_str()), "{n}");
        }
    }
}
