// Small built-in word lists for realistic but fictitious people and places.
// E-mail domains and phone numbers use reserved or example ranges so nothing can reach a real person.

export const FIRST_NAMES = [
  'Alex', 'Jordan', 'Taylor', 'Morgan', 'Casey', 'Riley', 'Avery', 'Quinn', 'Emma', 'Olivia', 'Ava', 'Sophia',
  'Isabella', 'Mia', 'Amelia', 'Harper', 'Evelyn', 'Abigail', 'Emily', 'Ella', 'Liam', 'Noah', 'Oliver', 'Elijah',
  'James', 'William', 'Benjamin', 'Lucas', 'Henry', 'Theodore', 'Jack', 'Levi', 'Mateo', 'Daniel', 'Sebastian',
  'Aiden', 'Samuel', 'Joseph', 'David', 'Wyatt', 'Luis', 'Sofia', 'Camila', 'Valentina', 'Diego', 'Santiago',
  'Priya', 'Arjun', 'Ananya', 'Wei', 'Mei', 'Jin', 'Hiroshi', 'Yuki', 'Fatima', 'Omar', 'Aisha', 'Kwame',
  'Chidi', 'Zoe', 'Nora', 'Hannah', 'Grace', 'Chloe', 'Maya', 'Ethan', 'Owen', 'Caleb', 'Isaac', 'Nathan',
] as const;

export const MIDDLE_NAMES = ['Marie', 'Lynn', 'Ann', 'James', 'Lee', 'Rose', 'Michael', 'Grace', 'Ray', 'Jo'] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker',
  'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson',
  'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Patel', 'Shah', 'Kim', 'Park', 'Chen',
  'Wang', 'Zhang', 'Tanaka', 'Sato', 'Okafor', 'Mensah', "O'Brien", 'McAllister', 'Van Dyke', 'De La Cruz',
  'Nakamura', 'Schmidt', 'Novak', 'Kowalski', 'Haddad', 'Rossi', 'Silva', 'Costa', 'Murphy', 'Kelly', 'Price',
  'Bennett', 'Wood', 'Barnes', 'Ross', 'Henderson', 'Coleman', 'Jenkins', 'Perry', 'Powell', 'Long', 'Reyes',
] as const;

export const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.edu', 'students.example.edu'] as const;

/** College towns with their state and a ZIP code, for property and home addresses. */
export const TOWNS = [
  ['Austin', 'TX', '78705'], ['Boulder', 'CO', '80302'], ['Fort Collins', 'CO', '80521'], ['Tempe', 'AZ', '85281'],
  ['Provo', 'UT', '84604'], ['Laramie', 'WY', '82070'], ['Gainesville', 'FL', '32601'], ['Madison', 'WI', '53703'],
  ['Eugene', 'OR', '97401'], ['Lawrence', 'KS', '66044'], ['Salt Lake City', 'UT', '84102'], ['Albuquerque', 'NM', '87106'],
  ['Boise', 'ID', '83706'], ['Logan', 'UT', '84321'], ['Greeley', 'CO', '80631'], ['Flagstaff', 'AZ', '86001'],
  ['Bozeman', 'MT', '59715'], ['Missoula', 'MT', '59801'], ['Lubbock', 'TX', '79401'], ['College Station', 'TX', '77840'],
] as const;

export const STREETS = [
  'Campus Way', 'University Ave', 'College Blvd', 'Elm St', 'Maple Ave', 'Oak St', 'Pine St', 'Cedar Ln', 'Aspen Dr',
  'Spruce St', 'Main St', 'Broadway', 'Park Ave', 'Lake St', 'Hill Rd', 'River Rd', 'Sunset Blvd', 'Mesa Dr',
] as const;

export const PROPERTY_NAMES = [
  'Example Commons', 'Campus Edge', 'Union Lofts', 'The Standard', 'Aspen Heights', 'Canyon View', 'The Quad',
  'University Pointe', 'Summit Flats', 'Redstone Village', 'Willow Park', 'The Hub', 'Pinecrest', 'Riverside Lofts',
  'College Crossing', 'Maple Court', 'The Retreat', 'Cedar Ridge', 'Sterling Place', 'The Outlook', 'Foothills',
  'Mesa Vista', 'The Junction', 'Highland Terrace',
] as const;

export const CONTACT_RELATIONSHIPS = ['Mother', 'Father', 'Sibling', 'Friend', 'Spouse', 'Grandparent', 'Aunt', 'Uncle'] as const;

export const MOVE_OUT_REASONS = ['Graduation', 'End of Lease', 'Relocation', 'Bought a Home', 'Transfer', 'Financial'] as const;
